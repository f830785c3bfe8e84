// The benchmarks time the bundled code the product ships, not the dev loader: under tsx every file
// is transpiled on its own to CommonJS, where each imported binding becomes a getter call.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";

const ROOT = join(__dirname, "..", "..");

export type Library = typeof import("./entry");

/** Bundles bench/support/entry.ts with the same esbuild settings as scripts/build.mjs and loads it. */
export function loadBundle(): Library {
  const outfile = join(ROOT, "build", "bench", "lgbm.cjs");
  mkdirSync(join(ROOT, "build", "bench"), { recursive: true });
  buildSync({
    entryPoints: [join(__dirname, "entry.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
  });
  // the bundle finds the kernel from its own folder: point it at the build output
  process.env.LGBM_KERNEL_WASM ??= join(ROOT, "build", "kernel.wasm");
  return require(outfile) as Library;
}
