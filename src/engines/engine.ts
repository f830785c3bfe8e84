// What a scoring engine does: walk the trees of a ModelLayout for rows already prepared in its input
// buffer. The Scorer (src/scorer.ts) turns requests into these calls; engines know nothing of
// objectives, iterations or output types.

export interface Engine {
  readonly name: EngineName;
  /**
   * The buffer to write `numRows` prepared rows into (see prepareRows): row-major, numFeatures + 1
   * doubles per row. Valid until the next call on the engine.
   */
  input(numRows: number): Float64Array;
  // The outputs below may be the engine's own memory: valid until the next call on the engine, and
  // the caller may overwrite them (the Scorer transforms raw scores in place, then copies them out).

  /** Raw scores of trees [treeBegin, treeEnd), summed per class in tree order: numRows × numClass. */
  raw(numRows: number, treeBegin: number, treeEnd: number): Float64Array;
  /** LightGBM leaf numbers: numRows × (treeEnd - treeBegin). */
  leaves(numRows: number, treeBegin: number, treeEnd: number): Int32Array;
  /** TreeSHAP contributions: numRows × numClass × (numFeatures + 1), the bias last in each class. */
  contributions(numRows: number, treeBegin: number, treeEnd: number): Float64Array;
}

export type EngineName = "wasm" | "js";
