// The plain TypeScript engine: the readable reference the WASM kernel is diffed against, and the
// fallback where WebAssembly is unavailable. It reads the same ModelLayout the kernel gets.
import * as layoutFlags from "../model/layout";
import type { ModelLayout } from "../model/layout";
import type { Engine } from "./engine";
import { TreeShap } from "./tree-shap";

// Module-local copies of the layout constants: under a per-file transpiler (tsx, as in the tests) an
// imported binding is a getter call on every read, which made this engine six times slower.
const { CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, LEAF, MISSING_ZERO, NAN_LEFT, TREE_LINEAR, ZERO_THRESHOLD } = layoutFlags;

/** Rows per block: each tree stays in cache while a block of rows goes through it. */
const ROW_BLOCK = 64;

export class JsEngine implements Engine {
  readonly name = "js";
  private rows: Float64Array = new Float64Array(0);
  private readonly stride: number;
  // the layout's arrays, held directly so hot loops read fields of one shape
  private readonly nodeValue: Float64Array;
  private readonly nodeWords: Int32Array;
  private readonly treeStart: Int32Array;

  constructor(private readonly layout: ModelLayout) {
    this.stride = layout.numFeatures + 1;
    this.nodeValue = layout.nodeValue;
    this.nodeWords = layout.nodeWords;
    this.treeStart = layout.treeStart;
  }

  input(numRows: number): Float64Array {
    const size = numRows * this.stride;
    if (this.rows.length < size) this.rows = new Float64Array(size);
    return this.rows.subarray(0, size);
  }

  raw(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    const numClass = this.layout.numClass;
    const out = new Float64Array(numRows * numClass);
    for (let blockStart = 0; blockStart < numRows; blockStart += ROW_BLOCK) {
      const blockEnd = Math.min(blockStart + ROW_BLOCK, numRows);
      // trees in order, so each class's sum adds the same terms in the same order as LightGBM
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        const cls = tree % numClass;
        for (let i = blockStart; i < blockEnd; i++) out[i * numClass + cls] += this.treeOutput(tree, i * this.stride);
      }
    }
    return out;
  }

  leaves(numRows: number, treeBegin: number, treeEnd: number): Int32Array {
    const width = treeEnd - treeBegin;
    const out = new Int32Array(numRows * width);
    for (let i = 0; i < numRows; i++) {
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        out[i * width + tree - treeBegin] = this.layout.nodeLeaf[this.leafRecord(tree, i * this.stride)];
      }
    }
    return out;
  }

  contributions(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    const { numClass, numFeatures } = this.layout;
    const width = numFeatures + 1;
    const out = new Float64Array(numRows * numClass * width);
    const shap = new TreeShap(this.layout, (record, row) => this.goesLeft(record, row));
    for (let i = 0; i < numRows; i++) {
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        shap.addTree(tree, i * this.stride, out, (i * numClass + (tree % numClass)) * width);
      }
    }
    return out;
  }

  /** Tree::Decision for split `record` and the row starting at rows[row]. */
  goesLeft(record: number, row: number): boolean {
    const meta = this.nodeWords[4 * record + 2];
    const value = this.rows[row + (meta & FEATURE_MASK)];
    const threshold = this.nodeValue[2 * record];
    if (meta & CATEGORICAL) return this.categoryGoesLeft(value, threshold);
    if (value !== value) return (meta & NAN_LEFT) !== 0;
    if (meta & MISSING_ZERO && Math.abs(value) <= ZERO_THRESHOLD) return (meta & DEFAULT_LEFT) !== 0;
    return value <= threshold;
  }

  private categoryGoesLeft(value: number, set: number): boolean {
    if (value !== value) return false;
    // static_cast<int>: truncation toward zero (-0.5 is category 0); outside int range it is INT_MIN
    const category = Math.trunc(value);
    if (!(category >= 0) || category > 2147483647) return false;
    const { catBounds, catWords } = this.layout;
    const word = Math.floor(category / 32);
    if (word >= catBounds[set + 1] - catBounds[set]) return false;
    return ((catWords[catBounds[set] + word] >>> category % 32) & 1) === 1;
  }

  private leafRecord(tree: number, row: number): number {
    const nodeWords = this.nodeWords;
    let record = this.treeStart[tree];
    while ((nodeWords[4 * record + 2] & LEAF) === 0) {
      record = this.goesLeft(record, row) ? record + 1 : nodeWords[4 * record + 3];
    }
    return record;
  }

  private treeOutput(tree: number, row: number): number {
    const leaf = this.leafRecord(tree, row);
    if (this.layout.treeFlags[tree] & TREE_LINEAR) return this.linearOutput(leaf, row);
    return this.nodeValue[2 * leaf];
  }

  /** constant + sum of coefficient * feature in stored order; the plain leaf value if any is NaN. */
  private linearOutput(leaf: number, row: number): number {
    const linear = this.layout.linear!;
    let output = linear.constant[leaf];
    for (let k = linear.begin[leaf]; k < linear.begin[leaf + 1]; k++) {
      const value = this.rows[row + linear.feature[k]];
      if (value !== value) return this.layout.nodeValue[2 * leaf];
      output += linear.coeff[k] * value;
    }
    return output;
  }
}
