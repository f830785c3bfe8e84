// What the benchmarks import, bundled by esbuild the way the product ships (see bundle.ts).
export { loadModel } from "../../src/model/load-model";
export { Scorer } from "../../src/scorer";
