// Raw scores and leaf indices: how rows and trees meet.
//
// Batches go through the model a block of rows at a time, one tree at a time, so that the tree stays
// in cache while the whole block goes through it. A tree takes the block's rows as a list and
// partitions it at each split: the rows that go left to the front of a second list, the others to
// its back, each row written to both ends and only the ends' counters moved, so that no branch
// depends on a row. Each leaf then adds its output to the rows of its part. A walk row by row
// mispredicts where its row's walk ends; `large`'s lopsided trees (4.8 steps on average, 22 at most)
// made that most of the time of four or eight interleaved walks, and lock-step walks waited on the
// deepest row.
// Single rows (and small batches) go through the trees with eight walks in flight, each on its own
// tree, refilled with the next tree when it reaches a leaf: a big model is not in cache for one row,
// and eight independent walks overlap the waits for its records. Leaf indices are found that way too.
//
// Models with pre-binned or compact records and small trees get raw scores without walks (leaf-sets.ts).
//
// Whatever the path, each row's outputs are added per class in tree order, as LightGBM does, so
// sums are bit-identical whatever the batch size or the block a row falls in.
import {
  ANY, anyNaN, BINNED, binOf, COMPACT, compactBinOf, featureOffset, isLeafWord, leafFor, leftChild, leftOf, linearOutput,
  nextRecord, PLAIN, rightChild, ROW_MAJOR, selectionFor, WITH_CATEGORIES, WITH_MISSING, wordAt,
} from "./decisions";
import { leafSets, leafSetScratchBytes, rowLeafSets } from "./leaf-sets";
import {
  binned, compact, COMPACT_LEAF, compactLeafValues, compactNodes, flagsOf, idleLeaf, indexOf, maxTreeRecords, modelFlags,
  nodeLeaves, nodes, numClass, numFeatures, numTrees, rootOf, rowStride, TREE_LINEAR, TREE_WIDE_CATEGORIES, treeStarts,
  walkNodes,
} from "./model";

/** Rows per block: the block's bins (a byte per feature) or rows stay in L2 while every tree goes through it. */
const BLOCK_ROWS: i32 = 4096;
/**
 * Below this many rows, rows go one at a time with trees in lanes: a partition visits most of each
 * tree's splits whatever the number of rows (measured: walks win up to ~32 rows on `large`, ~100 on
 * `adult_binary`).
 */
const MIN_BATCH_ROWS: i32 = 64;
/** Walks in flight for a single row. */
const LANES: i32 = 8;

/** Trees that the fast walks cannot take: linear leaves, or category sets beyond 63. */
const TREE_WALKED_ALONE: i32 = TREE_LINEAR | TREE_WIDE_CATEGORIES;

/**
 * Scratch bytes predictRaw needs for numRows rows: for a batch, the block's bins, its rows' order and
 * two row lists, and a stack of parts waiting, one per split on a path (a tree's records bound its
 * depth).
 */
export function rawScratchBytes(numRows: i32): usize {
  if (numRows < MIN_BATCH_ROWS) return rowScratchBytes();
  const count = min(numRows, BLOCK_ROWS);
  return binBytes(count) + 3 * (<usize>count << 2) + (<usize>(maxTreeRecords + 1) << 4) + leafSetScratchBytes();
}

/**
 * A block's bins: a byte per feature and row, feature by feature (a split reads one feature of many
 * rows, and a column of a block stays in L1), in columns of 2^columnShift(count) bytes.
 */
@inline function binBytes(count: i32): usize {
  return <usize>rowStride << columnShift(count);
}

@inline function columnShift(count: i32): usize {
  return 32 - clz<u32>(<u32>count - 1);
}

/**
 * Raw scores: out[row * numClass + class] = sum of the outputs of trees [treeBegin, treeEnd) of that
 * class, added in tree order.
 */
export function predictRaw(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize, scratch: usize): void {
  const rowBytes = <usize>rowStride << 3;
  if (numRows < MIN_BATCH_ROWS) {
    for (let i = 0; i < numRows; i++) rawOfRow(rows + <usize>i * rowBytes, treeBegin, treeEnd, out + (<usize>(i * numClass) << 3), scratch);
    return;
  }
  memory.fill(out, 0, <usize>(numRows * numClass) << 3);
  for (let first = 0; first < numRows; first += BLOCK_ROWS) {
    const count = min(BLOCK_ROWS, numRows - first);
    rawOfBlock(rows + <usize>first * rowBytes, count, treeBegin, treeEnd, out + (<usize>(first * numClass) << 3), scratch);
  }
}

// ------------------------------------------------------------------------------------- batches

function rawOfBlock(rows: usize, count: i32, treeBegin: i32, treeEnd: i32, sums: usize, scratch: usize): void {
  const rowBytes = <usize>rowStride << 3;
  const classBytes = <usize>numClass << 3;
  const bins = scratch;
  const shift = columnShift(count);
  const order = bins + binBytes(count);
  const listA = order + (<usize>count << 2);
  const listB = listA + (<usize>count << 2);
  const stack = listB + (<usize>count << 2);
  // rows without NaN first, rows with NaN last: each part takes the cheapest exact decisions
  const clean = orderByNaN(rows, count, order);
  if (binned) for (let i = 0; i < count; i++) binRow(rows + <usize>i * rowBytes, bins + <usize>i, 1 << shift, false);
  else if (compact) for (let k = 0; k < clean; k++) {
    const i = load<u32>(order + (<usize>k << 2));
    binRow(rows + <usize>i * rowBytes, bins + <usize>i, 1 << shift, true);
  }
  // leaf sets take every binned row, and the rows without NaN of compact records: row by row
  const setRows = leafSets ? (binned ? count : clean) : 0;
  if (setRows > 0) {
    const sets = (stack + (<usize>(maxTreeRecords + 1) << 4) + 15) & ~15;
    for (let k = 0; k < setRows; k++) {
      const i = <usize>load<u32>(order + (<usize>k << 2));
      rowLeafSets(bins + i, shift, treeBegin, treeEnd, sums + i * classBytes, sets);
    }
  }
  if (setRows == count) return;
  for (let tree = treeBegin; tree < treeEnd; tree++) {
    const flags = flagsOf(tree);
    const sum = sums + (<usize>(tree % numClass) << 3);
    if (flags & TREE_WALKED_ALONE) {
      for (let i = 0; i < count; i++) {
        const row = rows + <usize>i * rowBytes;
        addOutput(sum + <usize>i * classBytes, leafFor(rootOf(tree), row), flags, row);
      }
      continue;
    }
    const root = rootOf(tree, walkNodes);
    if (binned) {
      splitBinned(root, bins, shift, 0, count, sum, classBytes, order, listA, listB, stack);
      continue;
    }
    if (!leafSets) {
      if (compact) splitCompact(compactRoot(tree), bins, shift, 0, clean, sum, classBytes, order, listA, listB, stack);
      else splitRows(selectionFor(flags, false), root, rows, rowBytes, 0, clean, sum, classBytes, order, listA, listB, stack);
    }
    splitRows(selectionFor(flags, true), root, rows, rowBytes, clean, count, sum, classBytes, order, listA, listB, stack);
  }
}

/** Writes the numbers of rows without NaN, then of rows with NaN, to `order`; returns how many are without. */
function orderByNaN(rows: usize, count: i32, order: usize): i32 {
  const rowBytes = <usize>rowStride << 3;
  let clean = 0, dirty = count - 1;
  for (let i = 0; i < count; i++) {
    const hasNaN = <i32>anyNaN(rows + <usize>i * rowBytes, 1, 0, numFeatures);
    store<u32>(order + (<usize>clean << 2), i);
    store<u32>(order + (<usize>dirty << 2), i);
    clean += 1 - hasNaN;
    dirty -= hasNaN;
  }
  return clean;
}

/** Rows order[lo, hi) through a tree of f64 records, with the decisions `selection` names. */
function splitRows(selection: i32, root: usize, rows: usize, rowBytes: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void {
  if (selection == PLAIN) splitPlain(root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack);
  else if (selection == WITH_MISSING) splitMissing(root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack);
  else if (selection == WITH_CATEGORIES) splitCategories(root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack);
  else splitAny(root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack);
}

// One function per selection, so that each compiles to exactly the checks it needs.
function splitPlain(root: usize, rows: usize, rowBytes: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(PLAIN, ROW_MAJOR, root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack); }
function splitMissing(root: usize, rows: usize, rowBytes: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(WITH_MISSING, ROW_MAJOR, root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack); }
function splitCategories(root: usize, rows: usize, rowBytes: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(WITH_CATEGORIES, ROW_MAJOR, root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack); }
function splitAny(root: usize, rows: usize, rowBytes: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(ANY, ROW_MAJOR, root, rows, rowBytes, lo, hi, sum, classBytes, order, listA, listB, stack); }
function splitBinned(root: usize, bins: usize, shift: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(BINNED, <i32>shift, root, bins, 1, lo, hi, sum, classBytes, order, listA, listB, stack); }
function splitCompact(root: usize, bins: usize, shift: usize, lo: i32, hi: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void { splitTree(COMPACT, <i32>shift, root, bins, 1, lo, hi, sum, classBytes, order, listA, listB, stack); }

/**
 * The rows listed in order[begin, end) (row numbers: a row is at rows + number * rowBytes, its sums at
 * sum + number * classBytes) through one tree. At each split, the split's part of its list is
 * partitioned into the same part of another list, left rows to the front and right ones to the back,
 * without a branch per row: the root's from `order` into listB, then between listA and listB, so
 * `order` stays as it is for the next tree. At a leaf, its output is added to its rows' sums. Parts
 * waiting for their turn are on `stack`, four u32 each: record, list, lo, hi.
 */
@inline function splitTree(selection: i32, shift: i32, root: usize, rows: usize, rowBytes: usize, begin: i32, end: i32, sum: usize, classBytes: usize, order: usize, listA: usize, listB: usize, stack: usize): void {
  if (begin >= end) return;
  store<u32>(stack, <u32>root);
  store<u32>(stack, <u32>order, 4);
  store<u32>(stack, <u32>begin, 8);
  store<u32>(stack, <u32>end, 12);
  let top = stack + 16;
  while (top > stack) {
    top -= 16;
    const node = <usize>load<u32>(top);
    const list = <usize>load<u32>(top, 4);
    const lo = <usize>load<u32>(top, 8);
    const hi = <usize>load<u32>(top, 12);
    const meta = wordAt(selection, node);
    if (isLeafWord(selection, meta)) {
      const value = load<f64>(leafOutput(selection, node, meta));
      for (let i = lo; i < hi; i++) {
        const at = sum + <usize>load<u32>(list + (i << 2)) * classBytes;
        store<f64>(at, load<f64>(at) + value);
      }
      continue;
    }
    const other = list == listB ? listA : listB;
    const bits = selection == COMPACT ? 0 : load<u64>(node);
    const feature = rows + featureOffset(selection, shift, meta);
    // front and back of the other list's part, as addresses; two rows a step (A/B: 1.2-1.3x one)
    let front = other + (lo << 2), back = other + (hi << 2) - 4;
    const last = list + (hi << 2);
    let at = list + (lo << 2);
    for (; at + 4 < last; at += 8) {
      const x0 = load<u32>(at);
      const x1 = load<u32>(at, 4);
      const left0 = <usize>leftOf(selection, meta, bits, feature + <usize>x0 * rowBytes) << 2;
      const left1 = <usize>leftOf(selection, meta, bits, feature + <usize>x1 * rowBytes) << 2;
      store<u32>(front, x0);
      store<u32>(back, x0);
      front += left0;
      back += left0 - 4;
      store<u32>(front, x1);
      store<u32>(back, x1);
      front += left1;
      back += left1 - 4;
    }
    if (at < last) {
      const x = load<u32>(at);
      store<u32>(front, x);
      front += <usize>leftOf(selection, meta, bits, feature + <usize>x * rowBytes) << 2;
    }
    const l = (front - other) >> 2;
    // the right child's rows wait; empty ranges are not pushed
    if (l < hi) {
      store<u32>(top, <u32>rightChild(selection, node, meta));
      store<u32>(top, <u32>other, 4);
      store<u32>(top, <u32>l, 8);
      store<u32>(top, <u32>hi, 12);
      top += 16;
    }
    if (l > lo) {
      store<u32>(top, <u32>leftChild(selection, node));
      store<u32>(top, <u32>other, 4);
      store<u32>(top, <u32>lo, 8);
      store<u32>(top, <u32>l, 12);
      top += 16;
    }
  }
}

/** Adds a tree's output for a ROW_MAJOR row: the leaf value, or the linear leaf's value for the row. */
@inline function addOutput(sum: usize, leaf: usize, flags: i32, row: usize): void {
  store<f64>(sum, load<f64>(sum) + (flags & TREE_LINEAR ? linearOutput(leaf, row) : load<f64>(leaf)));
}

/**
 * Writes a row's bins, a byte per feature, `slotBytes` apart: for the pre-binned records, or with
 * `forCompact` for the compact ones (model.ts: setCompact). The NaN slot's byte is left as is.
 */
function binRow(row: usize, bins: usize, slotBytes: usize, forCompact: bool): void {
  for (let f = 0; f < numFeatures; f++) {
    const value = load<f64>(row + (<usize>f << 3));
    store<u8>(bins + <usize>f * slotBytes, <u8>(forCompact ? compactBinOf(f, value) : binOf(f, value)));
  }
}

@inline function compactRoot(tree: i32): usize {
  return compactNodes + (<usize>load<i32>(treeStarts + (<usize>tree << 2)) << 2);
}

/** Where a leaf's output is: in the packed outputs for a compact record, else in the record itself. */
@inline function leafOutput(selection: i32, leaf: usize, word: u32): usize {
  return selection == COMPACT ? compactLeafValues + (<usize>(word & ~COMPACT_LEAF) << 3) : leaf;
}

// --------------------------------------------------------------------------------- single rows

/**
 * Walks trees [treeBegin, treeEnd) for one row, eight walks in flight: a walk that reaches a leaf
 * writes the leaf's record address to its tree's slot in `leaves` (a u32 per tree, from treeBegin)
 * and starts the next tree. Fetching a record of a tree not in cache takes long; eight independent
 * walks overlap those waits. Slots just past treeEnd (LANES of them) take the idle lanes' leaves.
 * When only the outputs are wanted, compact records may be walked, and a slot then holds the
 * address of the leaf's packed output instead (either way, the f64 there is the output).
 */
function leavesOfRow(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize, outputsOnly: bool): void {
  if (binned) {
    const bins = leaves + leafSlotBytes();
    binRow(row, bins, 1 << ROW_MAJOR, false);
    treesBinned(bins, treeBegin, treeEnd, leaves);
    return;
  }
  if (compact && outputsOnly && !anyNaN(row, 1, 0, numFeatures)) {
    const bins = leaves + leafSlotBytes();
    binRow(row, bins, 1 << ROW_MAJOR, true);
    treesCompact(bins, treeBegin, treeEnd, leaves);
    return;
  }
  if (modelFlags & TREE_WALKED_ALONE) {
    for (let tree = treeBegin; tree < treeEnd; tree++) store<u32>(slotOf(leaves, tree - treeBegin), <u32>leafFor(rootOf(tree), row));
    return;
  }
  const selection = selectionFor(modelFlags, anyNaN(row, 1, 0, numFeatures));
  if (selection == PLAIN) treesPlain(row, treeBegin, treeEnd, leaves);
  else if (selection == WITH_MISSING) treesMissing(row, treeBegin, treeEnd, leaves);
  else if (selection == WITH_CATEGORIES) treesCategories(row, treeBegin, treeEnd, leaves);
  else treesAny(row, treeBegin, treeEnd, leaves);
}

function treesPlain(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(PLAIN, row, treeBegin, treeEnd, leaves); }
function treesMissing(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(WITH_MISSING, row, treeBegin, treeEnd, leaves); }
function treesCategories(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(WITH_CATEGORIES, row, treeBegin, treeEnd, leaves); }
function treesAny(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(ANY, row, treeBegin, treeEnd, leaves); }
function treesBinned(bins: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(BINNED, bins, treeBegin, treeEnd, leaves); }
function treesCompact(bins: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void { walkTrees(COMPACT, bins, treeBegin, treeEnd, leaves); }

@inline function slotOf(leaves: usize, k: i32): usize {
  return leaves + (<usize>k << 2);
}

/** A lane's first record for `tree`: its root, or, past treeEnd, a leaf to idle on. */
@inline function laneStart(selection: i32, tree: i32, treeEnd: i32): usize {
  if (selection == COMPACT) return tree < treeEnd ? compactRoot(tree) : compactNodes + ((idleLeaf - nodes) >> 2);
  return tree < treeEnd ? rootOf(tree, walkNodes) : idleLeaf;
}

@inline function walkTrees(selection: i32, row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void {
  let s0 = leaves, s1 = leaves + 4, s2 = leaves + 8, s3 = leaves + 12, s4 = leaves + 16, s5 = leaves + 20, s6 = leaves + 24, s7 = leaves + 28;
  let n0 = laneStart(selection, treeBegin, treeEnd), n1 = laneStart(selection, treeBegin + 1, treeEnd), n2 = laneStart(selection, treeBegin + 2, treeEnd), n3 = laneStart(selection, treeBegin + 3, treeEnd);
  let n4 = laneStart(selection, treeBegin + 4, treeEnd), n5 = laneStart(selection, treeBegin + 5, treeEnd), n6 = laneStart(selection, treeBegin + 6, treeEnd), n7 = laneStart(selection, treeBegin + 7, treeEnd);
  let next = treeBegin + LANES;
  while (next < treeEnd) {
    // the lanes, unrolled: each either steps or, on a leaf, records it and starts the next tree
    let meta = wordAt(selection, n0);
    if (isLeafWord(selection, meta)) { store<u32>(s0, <u32>leafOutput(selection, n0, meta)); s0 = slotOf(leaves, next - treeBegin); n0 = laneStart(selection, next++, treeEnd); } else n0 = nextRecord(selection, ROW_MAJOR, n0, meta, row);
    meta = wordAt(selection, n1);
    if (isLeafWord(selection, meta)) { store<u32>(s1, <u32>leafOutput(selection, n1, meta)); s1 = slotOf(leaves, next - treeBegin); n1 = laneStart(selection, next++, treeEnd); } else n1 = nextRecord(selection, ROW_MAJOR, n1, meta, row);
    meta = wordAt(selection, n2);
    if (isLeafWord(selection, meta)) { store<u32>(s2, <u32>leafOutput(selection, n2, meta)); s2 = slotOf(leaves, next - treeBegin); n2 = laneStart(selection, next++, treeEnd); } else n2 = nextRecord(selection, ROW_MAJOR, n2, meta, row);
    meta = wordAt(selection, n3);
    if (isLeafWord(selection, meta)) { store<u32>(s3, <u32>leafOutput(selection, n3, meta)); s3 = slotOf(leaves, next - treeBegin); n3 = laneStart(selection, next++, treeEnd); } else n3 = nextRecord(selection, ROW_MAJOR, n3, meta, row);
    meta = wordAt(selection, n4);
    if (isLeafWord(selection, meta)) { store<u32>(s4, <u32>leafOutput(selection, n4, meta)); s4 = slotOf(leaves, next - treeBegin); n4 = laneStart(selection, next++, treeEnd); } else n4 = nextRecord(selection, ROW_MAJOR, n4, meta, row);
    meta = wordAt(selection, n5);
    if (isLeafWord(selection, meta)) { store<u32>(s5, <u32>leafOutput(selection, n5, meta)); s5 = slotOf(leaves, next - treeBegin); n5 = laneStart(selection, next++, treeEnd); } else n5 = nextRecord(selection, ROW_MAJOR, n5, meta, row);
    meta = wordAt(selection, n6);
    if (isLeafWord(selection, meta)) { store<u32>(s6, <u32>leafOutput(selection, n6, meta)); s6 = slotOf(leaves, next - treeBegin); n6 = laneStart(selection, next++, treeEnd); } else n6 = nextRecord(selection, ROW_MAJOR, n6, meta, row);
    meta = wordAt(selection, n7);
    if (isLeafWord(selection, meta)) { store<u32>(s7, <u32>leafOutput(selection, n7, meta)); s7 = slotOf(leaves, next - treeBegin); n7 = laneStart(selection, next++, treeEnd); } else n7 = nextRecord(selection, ROW_MAJOR, n7, meta, row);
  }
  storeLeaf(selection, s0, finishWalk(selection, ROW_MAJOR, n0, row));
  storeLeaf(selection, s1, finishWalk(selection, ROW_MAJOR, n1, row));
  storeLeaf(selection, s2, finishWalk(selection, ROW_MAJOR, n2, row));
  storeLeaf(selection, s3, finishWalk(selection, ROW_MAJOR, n3, row));
  storeLeaf(selection, s4, finishWalk(selection, ROW_MAJOR, n4, row));
  storeLeaf(selection, s5, finishWalk(selection, ROW_MAJOR, n5, row));
  storeLeaf(selection, s6, finishWalk(selection, ROW_MAJOR, n6, row));
  storeLeaf(selection, s7, finishWalk(selection, ROW_MAJOR, n7, row));
}

@inline function storeLeaf(selection: i32, slot: usize, leaf: usize): void {
  store<u32>(slot, <u32>leafOutput(selection, leaf, wordAt(selection, leaf)));
}

@inline function finishWalk(selection: i32, shift: i32, node: usize, row: usize): usize {
  let meta = wordAt(selection, node);
  while (!isLeafWord(selection, meta)) {
    node = nextRecord(selection, shift, node, meta, row);
    meta = wordAt(selection, node);
  }
  return node;
}

function rawOfRow(row: usize, treeBegin: i32, treeEnd: i32, sums: usize, leaves: usize): void {
  if (leafSets && (binned || !anyNaN(row, 1, 0, numFeatures))) {
    const bins = leaves + leafSlotBytes();
    binRow(row, bins, 1, !binned);
    memory.fill(sums, 0, <usize>numClass << 3);
    rowLeafSets(bins, 0, treeBegin, treeEnd, sums, leafSetScratch(bins));
    return;
  }
  leavesOfRow(row, treeBegin, treeEnd, leaves, true);
  memory.fill(sums, 0, <usize>numClass << 3);
  if (numClass == 1 && (modelFlags & TREE_LINEAR) == 0) {
    let sum: f64 = 0;
    for (let k = 0; k < treeEnd - treeBegin; k++) sum += load<f64>(<usize>load<u32>(slotOf(leaves, k)));
    store<f64>(sums, sum);
    return;
  }
  for (let tree = treeBegin; tree < treeEnd; tree++) {
    addOutput(sums + (<usize>(tree % numClass) << 3), <usize>load<u32>(slotOf(leaves, tree - treeBegin)), flagsOf(tree), row);
  }
}

// ---------------------------------------------------------------------------------- leaf indices

/** A leaf address per tree, and the idle lanes' slots, 16-byte aligned. */
@inline function leafSlotBytes(): usize {
  return (<usize>(numTrees + LANES) << 2) + 15 & ~15;
}

/**
 * Scratch bytes for one row's trees (single rows, leaf indices): leafSlotBytes, then the row's bins,
 * then, with leaf sets, their scratch (leafSetScratch).
 */
export function rowScratchBytes(): usize {
  return leafSlotBytes() + (<usize>rowStride << ROW_MAJOR) + leafSetScratchBytes();
}

/** Where a single row's leaf-set scratch is, after its bins. */
@inline function leafSetScratch(bins: usize): usize {
  return (bins + (<usize>rowStride << ROW_MAJOR) + 15) & ~15;
}

/** Leaf indices: out[row * (treeEnd - treeBegin) + k] = LightGBM's leaf number in tree treeBegin + k. */
export function predictLeaf(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize, scratch: usize): void {
  const rowBytes = <usize>rowStride << 3;
  const width = treeEnd - treeBegin;
  for (let i = 0; i < numRows; i++) {
    leavesOfRow(rows + <usize>i * rowBytes, treeBegin, treeEnd, scratch, false);
    const leafNumbers = out + (<usize>(i * width) << 2);
    for (let k = 0; k < width; k++) {
      const leaf = <usize>load<u32>(slotOf(scratch, k));
      store<i32>(slotOf(leafNumbers, k), load<i32>(nodeLeaves + (<usize>indexOf(leaf, walkNodes) << 2)));
    }
  }
}
