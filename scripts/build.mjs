// Builds what runs from build/: the WASM kernel (assembly/ -> kernel.wasm) and the JS bundles.
// Each output is rebuilt only when a source is newer, so npm test/start/cli can call this every time.
// Progress goes to stderr: stdout belongs to the command that runs after (e.g. the CLI's output).
import { copyFileSync, existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const force = process.argv.includes("--force");

/** Newest modification time of a file, or of anything under a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function stale(output, inputs) {
  const path = join(root, output);
  const sources = [...inputs, "package.json"].map((input) => newest(join(root, input)));
  return force || !existsSync(path) || statSync(path).mtimeMs < Math.max(...sources);
}

// An ES module bundle (the Lambda handler uses top-level await) still needs require() for the
// CommonJS code it contains, and __dirname to find kernel.wasm next to itself.
const ESM_BANNER = [
  'import { createRequire as __createRequire } from "node:module";',
  'import { dirname as __pathDirname } from "node:path";',
  'import { fileURLToPath as __fileURLToPath } from "node:url";',
  "const require = __createRequire(import.meta.url);",
  "const __dirname = __pathDirname(__fileURLToPath(import.meta.url));",
].join("\n");

const bundle = (entry, outfile, { banner, sourcemap = true, format = "cjs" } = {}) =>
  build({
    entryPoints: [join(root, entry)],
    outfile: join(root, outfile),
    bundle: true,
    platform: "node",
    target: "node20",
    format,
    minify: true,
    sourcemap,
    legalComments: "none",
    banner: banner ? { js: banner } : undefined,
    logLevel: "warning",
  });

const targets = [
  {
    output: "build/kernel.wasm",
    inputs: ["assembly", "asconfig.json"],
    make: async () => {
      const { error, stderr } = await asc.main(["assembly/index.ts", "--config", "asconfig.json", "--target", "release"], {
        stdout: process.stderr,
      });
      if (error) throw new Error(`asc failed:\n${stderr.toString()}`);
    },
  },
  {
    output: "build/cli.js",
    inputs: ["src"],
    make: () => bundle("src/cli/main.ts", "build/cli.js", { banner: "#!/usr/bin/env node" }),
  },
  {
    // the Lambda package: handler bundle (entry point index.handler) with the kernel beside it
    output: "build/lambda/index.mjs",
    inputs: ["handler", "src", "build/kernel.wasm"],
    make: async () => {
      // no source map: it would triple the archive
      await bundle("handler/index.mts", "build/lambda/index.mjs", { sourcemap: false, format: "esm", banner: ESM_BANNER });
      copyFileSync(join(root, "build/kernel.wasm"), join(root, "build/lambda/kernel.wasm"));
    },
  },
];

process.chdir(root);
for (const target of targets) {
  if (!stale(target.output, target.inputs)) continue;
  process.stderr.write(`building ${target.output}\n`);
  const started = new Date();
  await target.make();
  // dated to when its sources were read: a source saved during the build makes it stale again
  utimesSync(join(root, target.output), started, started);
}
