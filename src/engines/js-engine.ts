// The plain TypeScript engine: the readable reference the WASM kernel is diffed against, and the
// fallback where WebAssembly is unavailable. It reads the same ModelLayout the kernel gets.
//
// `goesLeft` is LightGBM's decision rule for one split and one row, and `leafRecord` walks a tree
// with it: that pair is the reference. Speed comes from how data is handled, never from other
// arithmetic, so every path gives the same bits whatever the batch:
// - Each tree runs over all the rows of a call (or of a block of a big call) before the next tree
//   starts, so a tree is brought into cache once per call, not once per row; and the next tree is
//   fetched (warmUp) while one is used. Each row still gets exactly one output per tree, added per
//   class in tree order, as LightGBM adds them.
// - The engine keeps its own structure-of-arrays copy of the node records (feature, right child,
//   value, indexed by record), so a step reads plain arrays instead of unpacking a record.
// - Most trees have only numeric splits without a missing-zero rule. There, for a row without NaN,
//   goesLeft is `value <= threshold` at every split (numericLeaf, partitionByThreshold). A NaN
//   compares false, i.e. goes right, which is also what goesLeft does at a split without NAN_LEFT:
//   so in a numeric tree where no split sends NaN left, every row can decide that way. Other rows
//   and trees decide with goesLeft.
// - Big calls (MIN_PARTITION_ROWS rows and more) do not walk rows. Per block of rows and per tree,
//   a list of the block's row numbers is partitioned at each split, depth-first: the rows that go
//   left to the front of the same part of a second list, the others to its back, without a branch
//   that depends on a row (partitionByThreshold). Each leaf's rows end up listed together, and its
//   output is added to each of them (addLeafOutputs). A row-by-row walk mispredicts where each
//   row's walk ends: on `large`'s lopsided trees (4.8 steps on average, 22 at most) that was most of
//   its time. The block's rows without NaN are listed first and partitioned apart from those with
//   NaN, so each group takes its cheapest exact decision. Small calls keep the walks: a partition
//   visits most of a tree's nodes whatever the number of rows.
// - The partition's row lists and columns are plain arrays of numbers, not typed arrays. Once any
//   ArrayBuffer of the process has been detached (growing a WebAssembly memory detaches its old
//   buffer: the WASM engine does so as it loads a model), V8's optimised code checks at every
//   typed-array access that the buffer is still attached. Plain arrays have no such check: the
//   partition ran a third faster on them in such a process (as in `npm run bench`), and a fifth
//   faster in a process without.
import * as layoutFlags from "../model/layout";
import type { ModelLayout } from "../model/layout";
import type { Engine } from "./engine";
import { TreeShap } from "./tree-shap";

// Module-local copies of the layout constants: under a per-file transpiler (tsx, as in the tests) an
// imported binding is a getter call on every read, which made this engine six times slower.
const { CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, LEAF, MISSING_ZERO, NAN_LEFT, TREE_LINEAR, ZERO_THRESHOLD } = layoutFlags;

/** Calls with at least this many rows warm each next tree up (warmUp): for fewer, it costs more than it saves. */
const WARM_UP_ROWS = 16;
/**
 * Calls with at least this many rows go through each tree by partition (partitionTree); fewer walk
 * row by row. Measured on `large` and `adult_binary`: below about 200 rows the walks are faster.
 */
const MIN_PARTITION_ROWS = 256;
/**
 * Rows per block of a partitioned call at most: the block's columns stay in cache while every tree
 * goes through it. Wide models get fewer rows a block, so that the columns stay within COLUMN_BYTES.
 * Each tree costs a block about the same bookkeeping (stack, leaf parts) whatever its rows: on `large`
 * 4096 rows (the Scorer's whole chunk, 0.9 MB of columns) were 7% faster than 2048, and 1024 12% slower.
 */
const BLOCK_ROWS = 4096;
const COLUMN_BYTES = 4 << 20;
/** Where each row list starts in `lists`: the block's rows in order, then the two lists partitions ping-pong between. */
const ORDER = 0;
const LIST_A = BLOCK_ROWS;
const LIST_B = 2 * BLOCK_ROWS;

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
  // partition scratch (see partitionTree)
  /** Row numbers within the block: the block's rows at ORDER, and the two lists at LIST_A and LIST_B. */
  private readonly lists = plainInts(3 * BLOCK_ROWS);
  /** The block's rows feature by feature: a split reads one feature of its rows, from few cache lines. */
  private columns = plainDoubles(0);
  /** The first row of the block, and its number of rows (the length of its columns). */
  private blockFirst = 0;
  private blockRows = 0;
  /** Parts waiting for their turn, four ints each: record, list, lo, hi (rows list + lo .. list + hi - 1). */
  private readonly stack: Int32Array;
  /** The leaf parts of a tree, four ints each like the stack's: never empty, so at most one per row. */
  private readonly leafParts = new Int32Array(4 * BLOCK_ROWS);
  /** Rows per block for this model (BLOCK_ROWS, fewer for wide models). */
  private readonly blockSize: number;
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
    // depth-first, the stack holds at most one waiting sibling per level, plus the two children
    this.stack = new Int32Array(4 * (layout.maxDepth + 2));
    this.blockSize = Math.max(64, Math.min(BLOCK_ROWS, Math.floor(COLUMN_BYTES / (8 * numFeatures))));
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
    const out = new Float64Array(numRows * this.layout.numClass);
    this.findMissing(numRows);
    if (numRows < MIN_PARTITION_ROWS) this.rawByWalks(out, numRows, treeBegin, treeEnd);
    else this.rawByPartition(out, numRows, treeBegin, treeEnd);
    return out;
  }

  /** raw, one walk per row and tree: for calls too small for a partition to pay off. */
  private rawByWalks(out: Float64Array, numRows: number, treeBegin: number, treeEnd: number): void {
    const { numClass, treeFlags } = this.layout;
    const { value, stride } = this;
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
  }

  /** raw, a block of rows at a time, each tree partitioning the block (see the top of this file). */
  private rawByPartition(out: Float64Array, numRows: number, treeBegin: number, treeEnd: number): void {
    const numClass = this.layout.numClass;
    for (let first = 0; first < numRows; first += this.blockSize) {
      const count = Math.min(this.blockSize, numRows - first);
      const clean = this.startBlock(first, count);
      // trees in order, so each class's sum adds the same terms in the same order as LightGBM
      let cls = treeBegin % numClass;
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        const numParts = this.partitionTree(tree, clean, count);
        this.addLeafOutputs(out, tree, cls, numParts);
        if (++cls === numClass) cls = 0;
      }
    }
  }

  leaves(numRows: number, treeBegin: number, treeEnd: number): Int32Array {
    const out = new Int32Array(numRows * (treeEnd - treeBegin));
    this.findMissing(numRows);
    if (numRows < MIN_PARTITION_ROWS) this.leavesByWalks(out, numRows, treeBegin, treeEnd);
    else this.leavesByPartition(out, numRows, treeBegin, treeEnd);
    return out;
  }

  private leavesByWalks(out: Int32Array, numRows: number, treeBegin: number, treeEnd: number): void {
    const width = treeEnd - treeBegin;
    const nodeLeaf = this.layout.nodeLeaf;
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const leaves = this.walkTree(tree, numRows);
      for (let i = 0; i < numRows; i++) out[i * width + tree - treeBegin] = nodeLeaf[leaves[i]];
    }
  }

  private leavesByPartition(out: Int32Array, numRows: number, treeBegin: number, treeEnd: number): void {
    for (let first = 0; first < numRows; first += this.blockSize) {
      const count = Math.min(this.blockSize, numRows - first);
      const clean = this.startBlock(first, count);
      for (let tree = treeBegin; tree < treeEnd; tree++) {
        const numParts = this.partitionTree(tree, clean, count);
        this.writeLeafNumbers(out, treeEnd - treeBegin, tree - treeBegin, numParts);
      }
    }
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

  /** Sets up the block of rows first .. first + count - 1 (columns and ORDER); returns orderByNaN's count. */
  private startBlock(first: number, count: number): number {
    this.blockFirst = first;
    this.blockRows = count;
    this.copyColumns(first, count);
    return this.orderByNaN(first, count);
  }

  /** Copies the block's rows to `columns`, feature by feature. */
  private copyColumns(first: number, count: number): void {
    const size = this.leafSlot * count;
    if (this.columns.length < size) this.columns = plainDoubles(size);
    const { columns, rows, stride, leafSlot } = this;
    for (let f = 0; f < leafSlot; f++) {
      for (let x = 0, from = first * stride + f, to = f * count; x < count; x++, from += stride) columns[to + x] = rows[from];
    }
  }

  /**
   * Lists the block's rows (first .. first + count - 1, numbered from 0 within the block) at ORDER:
   * rows without NaN first, rows with NaN last, so that each group is partitioned with its cheapest
   * exact decision. Returns how many rows are without NaN. findMissing must have marked the rows.
   */
  private orderByNaN(first: number, count: number): number {
    const { lists, rowHasNaN } = this;
    let clean = ORDER;
    let dirty = ORDER + count - 1;
    for (let x = 0; x < count; x++) {
      if (rowHasNaN[first + x] === 0) lists[clean++] = x;
      else lists[dirty--] = x;
    }
    return clean - ORDER;
  }

  /**
   * Sends the block's rows listed at ORDER through `tree`: the rows without NaN (the first `clean` of
   * the `count`) and those with NaN apart, each with its cheapest exact decision. Returns how many
   * leaf parts it wrote to leafParts: each row of the block is in exactly one.
   */
  private partitionTree(tree: number, clean: number, count: number): number {
    const walk = this.treeWalk[tree];
    const root = this.treeStart[tree];
    if (count >= WARM_UP_ROWS && tree + 1 < this.layout.numTrees) this.warmUp(tree + 1);
    const numParts = this.splitPart(root, 0, clean, walk !== WALK_GENERAL, 0);
    return this.splitPart(root, clean, count, walk === WALK_NUMERIC, numParts);
  }

  /**
   * Sends the rows listed at ORDER + [begin, end) down the tree from `root`, depth-first. At each split
   * the split's part of its list is partitioned into the same part of the other list (the root's
   * from ORDER into LIST_A, then back and forth): a part's range never changes, so siblings never
   * collide, and a leaf's rows stay where its parent wrote them. Each leaf part (leaf, list, lo, hi)
   * is appended to leafParts after the `numParts` there; returns the new count. `byThreshold`:
   * `value <= threshold` decides every split for these rows.
   */
  private splitPart(root: number, begin: number, end: number, byThreshold: boolean, numParts: number): number {
    if (begin >= end) return numParts;
    const { stack, feature, right, leafSlot } = this;
    if (feature[root] === leafSlot) return this.addLeafPart(numParts, root, ORDER, begin, end);
    stack[0] = root;
    stack[1] = ORDER;
    stack[2] = begin;
    stack[3] = end;
    let top = 4;
    while (top > 0) {
      top -= 4;
      const record = stack[top];
      const list = stack[top + 1];
      const lo = stack[top + 2];
      const hi = stack[top + 3];
      const into = list === LIST_A ? LIST_B : LIST_A;
      const split = byThreshold
        ? partitionByThreshold(this.lists, this.columns, feature[record] * this.blockRows, this.value[record], list, into, lo, hi)
        : this.partitionByDecision(record, list, into, lo, hi);
      // children that are leaves end here; split children wait, the right one under the left one
      const rightChild = right[record];
      const leftChild = record + 1;
      if (split < hi) {
        if (feature[rightChild] === leafSlot) numParts = this.addLeafPart(numParts, rightChild, into, split, hi);
        else top = this.push(top, rightChild, into, split, hi);
      }
      if (split > lo) {
        if (feature[leftChild] === leafSlot) numParts = this.addLeafPart(numParts, leftChild, into, lo, split);
        else top = this.push(top, leftChild, into, lo, split);
      }
    }
    return numParts;
  }

  /** Puts part (record, list, lo, hi) on the stack at `top`; returns the new top. */
  private push(top: number, record: number, list: number, lo: number, hi: number): number {
    putPart(this.stack, top, record, list, lo, hi);
    return top + 4;
  }

  /** Appends leaf part (leaf, list, lo, hi) to leafParts, which holds numParts; returns the new count. */
  private addLeafPart(numParts: number, leaf: number, list: number, lo: number, hi: number): number {
    putPart(this.leafParts, 4 * numParts, leaf, list, lo, hi);
    return numParts + 1;
  }

  /** partitionByThreshold for split `record`, deciding with goesLeft (on the rows, not the columns). */
  private partitionByDecision(record: number, from: number, into: number, lo: number, hi: number): number {
    const { lists, stride, blockFirst } = this;
    let l = into + lo;
    let r = into + hi - 1;
    for (let i = from + lo; i < from + hi; i++) {
      const row = lists[i];
      const left = +this.goesLeft(record, (blockFirst + row) * stride); // `+`: no branch on the row
      lists[l] = row;
      lists[r] = row;
      l += left;
      r += left - 1;
    }
    return l - into;
  }

  /** Adds each leaf part's output (partitionTree) to its rows' sums of class `cls`. */
  private addLeafOutputs(out: Float64Array, tree: number, cls: number, numParts: number): void {
    const { lists, leafParts, value, stride, blockFirst } = this;
    const numClass = this.layout.numClass;
    const linear = (this.layout.treeFlags[tree] & TREE_LINEAR) !== 0;
    // sums of the block's rows, from row 0 of the block: sumBase + numClass * (row in block)
    const sumBase = blockFirst * numClass + cls;
    for (let at = 0; at < 4 * numParts; at += 4) {
      const leaf = leafParts[at];
      const begin = leafParts[at + 1] + leafParts[at + 2];
      const end = leafParts[at + 1] + leafParts[at + 3];
      if (!linear) addToListedRows(out, sumBase, numClass, value[leaf], lists, begin, end);
      else {
        for (let i = begin; i < end; i++) {
          const row = blockFirst + lists[i];
          out[row * numClass + cls] += this.linearOutput(leaf, row * stride);
        }
      }
    }
  }

  /** Writes each leaf part's LightGBM leaf number (partitionTree) to its rows' column `column`. */
  private writeLeafNumbers(out: Int32Array, width: number, column: number, numParts: number): void {
    const { lists, leafParts, blockFirst } = this;
    const nodeLeaf = this.layout.nodeLeaf;
    for (let at = 0; at < 4 * numParts; at += 4) {
      const leafNumber = nodeLeaf[leafParts[at]];
      const list = leafParts[at + 1];
      for (let i = list + leafParts[at + 2], end = list + leafParts[at + 3]; i < end; i++) out[(blockFirst + lists[i]) * width + column] = leafNumber;
    }
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

/** `length` zeros in a plain array that holds small integers (V8: packed Smi elements; see the top of this file). */
function plainInts(length: number): number[] {
  return Array.from({ length }, () => 0);
}

/** `length` zeros in a plain array that holds doubles (V8: packed double elements; see the top of this file). */
function plainDoubles(length: number): number[] {
  return Array.from(new Float64Array(length));
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

/** Writes a part (record, list, lo, hi: rows list + lo .. list + hi - 1) as four ints at parts[at]. */
function putPart(parts: Int32Array, at: number, record: number, list: number, lo: number, hi: number): void {
  parts[at] = record;
  parts[at + 1] = list;
  parts[at + 2] = lo;
  parts[at + 3] = hi;
}

/**
 * Partitions the rows listed at lists[from + lo .. from + hi) into lists[into + lo .. into + hi): rows
 * whose value in `column` (columns[column + row]) is <= threshold to the front, in order, the others
 * to the back. Each row is written at both ends and only one end moves, so no branch depends on a
 * row; `+` of a comparison compiles to a flag move, where `? 1 : 0` would be a branch. Four rows a
 * step share the loop's own checks. Returns where the right rows begin (relative to `into`).
 */
function partitionByThreshold(
  lists: number[], columns: number[], column: number, threshold: number, from: number, into: number, lo: number, hi: number,
): number {
  let l = into + lo;
  let r = into + hi - 1;
  let i = from + lo;
  const end = from + hi;
  for (; i + 3 < end; i += 4) {
    const a = lists[i];
    const b = lists[i + 1];
    const c = lists[i + 2];
    const d = lists[i + 3];
    const leftA = +(columns[column + a] <= threshold);
    const leftB = +(columns[column + b] <= threshold);
    const leftC = +(columns[column + c] <= threshold);
    const leftD = +(columns[column + d] <= threshold);
    lists[l] = a;
    lists[r] = a;
    l = (l + leftA) | 0;
    r = (r + leftA - 1) | 0;
    lists[l] = b;
    lists[r] = b;
    l = (l + leftB) | 0;
    r = (r + leftB - 1) | 0;
    lists[l] = c;
    lists[r] = c;
    l = (l + leftC) | 0;
    r = (r + leftC - 1) | 0;
    lists[l] = d;
    lists[r] = d;
    l = (l + leftD) | 0;
    r = (r + leftD - 1) | 0;
  }
  for (; i < end; i++) {
    const a = lists[i];
    const leftA = +(columns[column + a] <= threshold);
    lists[l] = a;
    lists[r] = a;
    l = (l + leftA) | 0;
    r = (r + leftA - 1) | 0;
  }
  return l - into;
}

/** Adds `output` to sums[sumBase + numClass * row] for each row listed in lists[begin, end); two rows a step. */
function addToListedRows(
  sums: Float64Array, sumBase: number, numClass: number, output: number, lists: number[], begin: number, end: number,
): void {
  let i = begin;
  for (; i + 1 < end; i += 2) {
    const a = sumBase + numClass * lists[i];
    const b = sumBase + numClass * lists[i + 1];
    sums[a] += output;
    sums[b] += output;
  }
  if (i < end) sums[sumBase + numClass * lists[i]] += output;
}
