// The plain TypeScript engine: the readable reference the WASM kernel is diffed against, and the
// fallback where WebAssembly is unavailable. It reads the same ModelLayout the kernel gets.
//
// `goesLeft` is LightGBM's decision rule for one split and one row, and `leafRecord` walks a tree
// with it: that pair is the reference. Speed comes from how data is handled, never from other
// arithmetic, so every path gives the same bits whatever the batch:
// - Each tree runs over all the rows of a call before the next tree starts, so a tree is brought
//   into cache once per call, not once per row; and the next tree is fetched (warmUp) while one is
//   walked. Each row still gets its trees' outputs added per class in tree order.
// - The engine keeps its own structure-of-arrays copy of the node records (feature, right child,
//   value, indexed by record), so a step of a walk reads plain arrays instead of unpacking a record.
// - Most trees have only numeric splits without a missing-zero rule. There, for a row without NaN,
//   goesLeft is `value <= threshold` at every split, and a walk needs nothing else (numericLeaf). A
//   NaN compares false, i.e. goes right, which is also what goesLeft does at a split without
//   NAN_LEFT: so in a numeric tree where no split sends NaN left, every row takes that walk. Other
//   rows and trees take leafRecord.
import * as layoutFlags from "../model/layout";
import type { ModelLayout } from "../model/layout";
import type { Engine } from "./engine";
import { TreeShap } from "./tree-shap";

// Module-local copies of the layout constants: under a per-file transpiler (tsx, as in the tests) an
// imported binding is a getter call on every read, which made this engine six times slower.
const { CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, LEAF, MISSING_ZERO, NAN_LEFT, TREE_LINEAR, ZERO_THRESHOLD } = layoutFlags;

/** Calls with at least this many rows warm each next tree up (warmUp): for fewer, it costs more than it saves. */
const WARM_UP_ROWS = 16;

/** How the splits of a tree may be decided (see the top of this file). */
const WALK_GENERAL = 0; // goesLeft at every split
const WALK_NUMERIC = 1; // value <= threshold at every split, for every row
const WALK_NUMERIC_NO_NAN = 2; // value <= threshold at every split, for rows without NaN

export class JsEngine implements Engine {
  readonly name = "js";
  private rows: Float64Array = new Float64Array(0);
  private readonly stride: number;
  /** The feature slot leaves point at: a walk that reaches it has reached a leaf. */
  private readonly leafSlot: number;
  // the layout's arrays, held directly so hot loops read fields of one shape
  private readonly nodeValue: Float64Array;
  private readonly nodeWords: Int32Array;
  private readonly treeStart: Int32Array;
  private readonly catBounds: Int32Array;
  private readonly catWords: Uint32Array;
  // per record: the node records as structure of arrays
  private readonly feature: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;
  /** Per tree: WALK_GENERAL, WALK_NUMERIC or WALK_NUMERIC_NO_NAN. */
  private readonly treeWalk: Uint8Array;
  // per call scratch, grown as needed: 1 for the rows that hold a NaN; the leaf record of each row
  private rowHasNaN = new Uint8Array(0);
  private rowLeaf = new Int32Array(0);
  private shap: TreeShap | null = null;
  private warmUpSum = 0;

  constructor(private readonly layout: ModelLayout) {
    const { numFeatures, numNodes, numTrees, nodeValue, nodeWords, treeStart } = layout;
    this.stride = numFeatures + 1;
    this.leafSlot = numFeatures;
    this.nodeValue = nodeValue;
    this.nodeWords = nodeWords;
    this.treeStart = treeStart;
    this.catBounds = layout.catBounds;
    this.catWords = layout.catWords;
    this.feature = new Int32Array(numNodes);
    this.right = new Int32Array(numNodes);
    this.value = new Float64Array(numNodes);
    this.treeWalk = new Uint8Array(numTrees);
    for (let tree = 0; tree < numTrees; tree++) {
      let walk = WALK_NUMERIC;
      for (let record = treeStart[tree]; record < treeStart[tree + 1]; record++) {
        const meta = nodeWords[4 * record + 2];
        this.feature[record] = meta & FEATURE_MASK;
        this.right[record] = nodeWords[4 * record + 3];
        this.value[record] = nodeValue[2 * record];
        if (meta & LEAF) continue;
        if (meta & (CATEGORICAL | MISSING_ZERO)) walk = WALK_GENERAL;
        else if (meta & NAN_LEFT && walk === WALK_NUMERIC) walk = WALK_NUMERIC_NO_NAN;
      }
      this.treeWalk[tree] = walk;
    }
  }

  input(numRows: number): Float64Array {
    const size = numRows * this.stride;
    if (this.rows.length < size) this.rows = new Float64Array(size);
    return this.rows.subarray(0, size);
  }

  raw(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    const { numClass, treeFlags } = this.layout;
    const { value, stride } = this;
    const out = new Float64Array(numRows * numClass);
    this.findMissing(numRows);
    // trees in order, so each class's sum adds the same terms in the same order as LightGBM
    let cls = treeBegin % numClass;
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const linear = (treeFlags[tree] & TREE_LINEAR) !== 0;
      if (numRows === 1) {
        const leaf = this.leafOf(tree, 0, this.rowHasNaN[0] !== 0);
        out[cls] += linear ? this.linearOutput(leaf, 0) : value[leaf];
      } else {
        const leaves = this.walkTree(tree, numRows);
        for (let i = 0; i < numRows; i++) {
          out[i * numClass + cls] += linear ? this.linearOutput(leaves[i], i * stride) : value[leaves[i]];
        }
      }
      if (++cls === numClass) cls = 0;
    }
    return out;
  }

  leaves(numRows: number, treeBegin: number, treeEnd: number): Int32Array {
    const width = treeEnd - treeBegin;
    const nodeLeaf = this.layout.nodeLeaf;
    const out = new Int32Array(numRows * width);
    this.findMissing(numRows);
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const leaves = this.walkTree(tree, numRows);
      for (let i = 0; i < numRows; i++) out[i * width + tree - treeBegin] = nodeLeaf[leaves[i]];
    }
    return out;
  }

  contributions(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    const { numClass, numFeatures } = this.layout;
    const width = numFeatures + 1;
    const out = new Float64Array(numRows * numClass * width);
    this.shap ??= new TreeShap(this.layout);
    const { shap, treeStart, nodeWords } = this;
    const hotLeft = shap.hotLeft;
    for (let i = 0; i < numRows; i++) {
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        // TreeSHAP follows the row's side at every split of the tree, on its path or not
        for (let record = treeStart[tree]; record < treeStart[tree + 1]; record++) {
          if ((nodeWords[4 * record + 2] & LEAF) === 0) hotLeft[record] = this.goesLeft(record, i * this.stride) ? 1 : 0;
        }
        shap.addTree(tree, out, (i * numClass + (tree % numClass)) * width);
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
    // static_cast<int>: truncation toward zero (-0.5 is category 0). NaN, negative categories and
    // values outside int range (INT_MIN) go right.
    if (!(value > -1 && value < 2147483648)) return false;
    const category = value | 0; // in range, `| 0` truncates
    const { catBounds, catWords } = this;
    const first = catBounds[set];
    const word = category >>> 5;
    if (word >= catBounds[set + 1] - first) return false;
    return ((catWords[first + word] >>> (category & 31)) & 1) === 1;
  }

  /** The leaf record the row starting at rows[row] reaches from `record`, deciding with goesLeft. */
  private leafRecord(record: number, row: number): number {
    const nodeWords = this.nodeWords;
    while ((nodeWords[4 * record + 2] & LEAF) === 0) {
      record = this.goesLeft(record, row) ? record + 1 : nodeWords[4 * record + 3];
    }
    return record;
  }

  /** Marks the rows (of the numRows in the input buffer) that hold a NaN. */
  private findMissing(numRows: number): void {
    if (this.rowHasNaN.length < numRows) this.rowHasNaN = new Uint8Array(numRows);
    const { rows, rowHasNaN, stride, leafSlot } = this;
    for (let i = 0; i < numRows; i++) {
      let missing = 0;
      for (let f = i * stride, end = f + leafSlot; f < end; f++) if (rows[f] !== rows[f]) missing = 1;
      rowHasNaN[i] = missing;
    }
  }

  /** The leaf record the row at rows[row] reaches in `tree`: numericLeaf where it is exact, else leafRecord. */
  private leafOf(tree: number, row: number, rowHasNaN: boolean): number {
    const walk = this.treeWalk[tree];
    const root = this.treeStart[tree];
    if (walk === WALK_NUMERIC || (walk === WALK_NUMERIC_NO_NAN && !rowHasNaN)) {
      return numericLeaf(this.feature, this.value, this.right, this.leafSlot, this.rows, root, row);
    }
    return this.leafRecord(root, row);
  }

  /**
   * The leaf record each of the first numRows rows reaches in `tree` (leafOf): rowLeaf[i], valid until
   * the next call. findMissing must have marked the rows.
   */
  private walkTree(tree: number, numRows: number): Int32Array {
    if (this.rowLeaf.length < numRows) this.rowLeaf = new Int32Array(numRows);
    const { rows, feature, value, right, leafSlot, rowHasNaN, rowLeaf, stride } = this;
    if (numRows >= WARM_UP_ROWS && tree + 1 < this.layout.numTrees) this.warmUp(tree + 1);
    const walk = this.treeWalk[tree];
    const root = this.treeStart[tree];
    for (let i = 0; i < numRows; i++) {
      const numeric = walk === WALK_NUMERIC || (walk === WALK_NUMERIC_NO_NAN && rowHasNaN[i] === 0);
      if (numeric) rowLeaf[i] = numericLeaf(feature, value, right, leafSlot, rows, root, i * stride);
      else rowLeaf[i] = this.leafRecord(root, i * stride);
    }
    return rowLeaf;
  }

  /**
   * Reads one node of each cache line of a tree's records, so that they are on their way into the
   * cache while the tree before it is walked: the first walks of a tree would otherwise wait for each
   * of its nodes in turn.
   */
  private warmUp(tree: number): void {
    const { feature, value, right } = this;
    let sum = 0;
    for (let record = this.treeStart[tree]; record < this.treeStart[tree + 1]; record += 8) {
      sum += feature[record] + value[record] + right[record];
    }
    this.warmUpSum = sum; // a use of the loads, so that they are not optimised away
  }

  /** constant + sum of coefficient * feature in stored order; the plain leaf value if any is NaN. */
  private linearOutput(leaf: number, row: number): number {
    const linear = this.layout.linear!;
    let output = linear.constant[leaf];
    for (let k = linear.begin[leaf]; k < linear.begin[leaf + 1]; k++) {
      const value = this.rows[row + linear.feature[k]];
      if (value !== value) return this.value[leaf];
      output += linear.coeff[k] * value;
    }
    return output;
  }
}

/**
 * leafRecord for a walk on which goesLeft is `value <= threshold` at every split (see the top of this
 * file), over the engine's per-record arrays: the leaf record the row at rows[row] reaches from `record`.
 */
function numericLeaf(
  feature: Int32Array, value: Float64Array, right: Int32Array, leafSlot: number, rows: Float64Array, record: number, row: number,
): number {
  let f = feature[record];
  while (f !== leafSlot) {
    record = rows[row + f] <= value[record] ? record + 1 : right[record];
    f = feature[record];
  }
  return record;
}
