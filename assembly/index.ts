// The kernel's exports. The kernel scores rows against a model that the TypeScript loader
// (src/engines/wasm-engine.ts) has validated and copied into linear memory; it allocates nothing and
// imports nothing. model.ts: the memory map and node records; decisions.ts: LightGBM's split rules;
// walks.ts: raw scores and leaf indices; tree-shap.ts: SHAP contributions.
export { compactScratchBytes, heapBase, setBinning, setCompact, setModel } from "./model";
export { rowScratchBytes, predictLeaf, predictRaw, rawScratchBytes } from "./walks";
export { leafSetBytes, setLeafSets } from "./leaf-sets";
export { contribScratchBytes, predictContrib } from "./tree-shap";
