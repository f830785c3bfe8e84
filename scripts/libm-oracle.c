/* Reads little-endian doubles from stdin and writes glibc's answers to stdout, for
 * scripts/check-libm.sh. Mode "exp", "log" or "log1p": one input, one output per record;
 * mode "fma": three inputs (a, b, c), one output fma(a, b, c). */
#include <math.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "exp";
  int arity = strcmp(mode, "fma") == 0 ? 3 : 1;
  double in[3], out;
  while (fread(in, sizeof(double), arity, stdin) == (size_t)arity) {
    if (strcmp(mode, "exp") == 0) out = exp(in[0]);
    else if (strcmp(mode, "log") == 0) out = log(in[0]);
    else if (strcmp(mode, "log1p") == 0) out = log1p(in[0]);
    else out = fma(in[0], in[1], in[2]);
    fwrite(&out, sizeof(double), 1, stdout);
  }
  return 0;
}
