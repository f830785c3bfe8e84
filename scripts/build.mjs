// Builds what runs from build/: the WASM kernel (assembly/ -> kernel.wasm) and the JS bundles.
// Each output is rebuilt only when a source is newer, so npm test/start/cli can call this every time.
// Progress goes to stderr: stdout belongs to the command that runs after (e.g. the CLI's output).
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
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

const bundle = (entry, outfile, { banner, sourcemap = true } = {}) =>
  build({
    entryPoints: [join(root, entry)],
    outfile: join(root, outfile),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
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
    output: "build/lambda/index.js",
    inputs: ["handler", "src", "build/kernel.wasm"],
    make: async () => {
      await bundle("handler/index.ts", "build/lambda/index.js", { sourcemap: false }); // keeps the archive small
      copyFileSync(join(root, "build/kernel.wasm"), join(root, "build/lambda/kernel.wasm"));
    },
  },
];

process.chdir(root);
for (const target of targets) {
  if (!stale(target.output, target.inputs)) continue;
  process.stderr.write(`building ${target.output}\n`);
  await target.make();
}
