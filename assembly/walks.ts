// Raw scores and leaf indices: how rows and trees meet.
//
// Batches go through the model a block of rows at a time, one tree at a time, so that the tree stays
// in cache while the whole block walks it. The block is copied into scratch memory transposed, eight
// rows interleaved feature by feature, with room for each row's running sums. Four walks are in
// flight, each on its own row; a walk that reaches a leaf adds its output and starts the block's next
// row. (Walking eight rows in lock-step until all stand on a leaf measured no faster on balanced
// trees, and trees grown leaf-wise are lopsided: `large` averages 4.8 steps, 22 at most, so lock-step
// would spend most steps waiting for the deepest row.)
// Single rows (and small batches) go through the trees with eight walks in flight, each on its own
// tree, refilled with the next tree when it reaches a leaf: a big model is not in cache for one row,
// and eight independent walks overlap the waits for its records. Leaf indices are found that way too.
//
// Whatever the path, each row's outputs are added per class in tree order, as LightGBM does, so
// sums are bit-identical whatever the batch size or the block a row falls in.
import {
  ANY, anyNaN, BINNED, binOf, leafFor, linearOutput, nextRecord, PLAIN, ROW_MAJOR, selectionFor,
  TRANSPOSED, WITH_CATEGORIES, WITH_MISSING,
} from "./decisions";
import {
  binned, flagsOf, idleLeaf, indexOf, LEAF, modelFlags, nodeLeaves, numClass, numFeatures, numTrees, rootOf,
  rowStride, TREE_LINEAR, TREE_WIDE_CATEGORIES, walkNodes,
} from "./model";

/** Rows per block: a block of copies (~30 doubles a row) stays in L2 while all trees go through it. */
const BLOCK_ROWS: i32 = 1024;
/** Below this many rows, rows go one at a time with trees in lanes. */
const MIN_BATCH_ROWS: i32 = 8;
/** Rows per transposed group, and walks in flight for a single row. */
const LANES: i32 = 8;
const LANE_BYTES: usize = 8;
/** Bytes of one slot (a feature or a sum) of a transposed group: one double per lane. */
const SLOT_BYTES: usize = 64;

/** Trees that the fast walks cannot take: linear leaves, or category sets beyond 63. */
const TREE_WALKED_ALONE: i32 = TREE_LINEAR | TREE_WIDE_CATEGORIES;

/** Slots per row in a transposed group: the features, the NaN slot, then one sum per class. */
@inline function slotsPerRow(): i32 {
  return rowStride + numClass;
}

/**
 * Scratch bytes predictRaw needs for numRows rows: one row in row-major order (for the trees walked
 * alone), then, aligned, the transposed block with one group of padding.
 */
export function rawScratchBytes(numRows: i32): usize {
  if (numRows < MIN_BATCH_ROWS) return rowScratchBytes();
  const groups = (min(numRows, BLOCK_ROWS) + LANES - 1) / LANES + 1;
  return (<usize>rowStride << 3) + SLOT_BYTES + <usize>groups * <usize>slotsPerRow() * SLOT_BYTES;
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
  const block = (scratch + rowBytes + SLOT_BYTES - 1) & ~(SLOT_BYTES - 1); // refill walks rely on this alignment
  for (let first = 0; first < numRows; first += BLOCK_ROWS) {
    const count = min(BLOCK_ROWS, numRows - first);
    rawOfBlock(rows + <usize>first * rowBytes, count, treeBegin, treeEnd, out + (<usize>(first * numClass) << 3), block, scratch);
  }
}

// ------------------------------------------------------------------------------------- batches

/** Address of row i's first slot in the transposed block. */
@inline function rowInBlock(block: usize, i: i32): usize {
  return block + <usize>(i >> 3) * <usize>slotsPerRow() * SLOT_BYTES + (<usize>(i & 7) << 3);
}

/** Offset of a tree's class sum from a row's first slot. */
@inline function sumSlot(tree: i32): usize {
  return <usize>(rowStride + tree % numClass) * SLOT_BYTES;
}

function rawOfBlock(rows: usize, count: i32, treeBegin: i32, treeEnd: i32, out: usize, block: usize, gathered: usize): void {
  const rowBytes = <usize>rowStride << 3;
  const padded = ((count + LANES - 1) / LANES + 1) * LANES; // whole groups, plus one of padding
  for (let i = 0; i < padded; i++) {
    const copy = rowInBlock(block, i);
    // padding rows are all NaN (any values would do: their walks end, their sums are never read)
    if (i >= count) for (let f = 0; f < rowStride; f++) store<f64>(copy + <usize>f * SLOT_BYTES, NaN);
    else if (binned) binRow(rows + <usize>i * rowBytes, copy, SLOT_BYTES);
    else for (let f = 0; f < rowStride; f++) store<f64>(copy + <usize>f * SLOT_BYTES, load<f64>(rows + <usize>i * rowBytes + (<usize>f << 3)));
    for (let c = 0; c < numClass; c++) store<f64>(copy + <usize>(rowStride + c) * SLOT_BYTES, 0);
  }
  const rowsHaveNaN = !binned && anyNaN(rows, count, rowBytes, numFeatures); // bins take NaN in their stride
  const groupBytes = <usize>slotsPerRow() * SLOT_BYTES;
  const end = rowInBlock(block, count);

  for (let tree = treeBegin; tree < treeEnd; tree++) {
    const flags = flagsOf(tree);
    const sum = sumSlot(tree);
    const root = rootOf(tree, walkNodes);
    if (binned) {
      refillBinned(root, block, end, groupBytes, sum);
      continue;
    }
    if (flags & TREE_WALKED_ALONE) {
      // the reference decision, on each row gathered back into row-major order
      for (let i = 0; i < count; i++) {
        const row = rowInBlock(block, i);
        for (let f = 0; f < rowStride; f++) store<f64>(gathered + (<usize>f << 3), load<f64>(row + <usize>f * SLOT_BYTES));
        addOutput(row + sum, leafFor(rootOf(tree), gathered), flags, gathered);
      }
      continue;
    }
    const selection = selectionFor(flags, rowsHaveNaN);
    if (selection == PLAIN) refillPlain(root, block, end, groupBytes, sum);
    else if (selection == WITH_MISSING) refillMissing(root, block, end, groupBytes, sum);
    else if (selection == WITH_CATEGORIES) refillCategories(root, block, end, groupBytes, sum);
    else refillAny(root, block, end, groupBytes, sum);
  }

  for (let i = 0; i < count; i++) {
    const row = rowInBlock(block, i);
    for (let c = 0; c < numClass; c++) store<f64>(out + (<usize>(i * numClass + c) << 3), load<f64>(row + <usize>(rowStride + c) * SLOT_BYTES));
  }
}

/** Adds a tree's output for a ROW_MAJOR row: the leaf value, or the linear leaf's value for the row. */
@inline function addOutput(sum: usize, leaf: usize, flags: i32, row: usize): void {
  store<f64>(sum, load<f64>(sum) + (flags & TREE_LINEAR ? linearOutput(leaf, row) : load<f64>(leaf)));
}

@inline function addLeaf(sum: usize, leaf: usize): void {
  store<f64>(sum, load<f64>(sum) + load<f64>(leaf));
}

// One function per selection, so that each compiles to exactly the checks it needs.
function refillPlain(root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void { refill(PLAIN, root, block, end, groupBytes, sum); }
function refillMissing(root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void { refill(WITH_MISSING, root, block, end, groupBytes, sum); }
function refillCategories(root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void { refill(WITH_CATEGORIES, root, block, end, groupBytes, sum); }
function refillAny(root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void { refill(ANY, root, block, end, groupBytes, sum); }
function refillBinned(root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void { refill(BINNED, root, block, end, groupBytes, sum); }

/** Writes a row's bins, a byte per feature, `slotBytes` apart. The NaN slot's byte is left as is. */
function binRow(row: usize, bins: usize, slotBytes: usize): void {
  for (let f = 0; f < numFeatures; f++) store<u8>(bins + <usize>f * slotBytes, <u8>binOf(f, load<f64>(row + (<usize>f << 3))));
}

/**
 * Every row in [block, end) through the tree, four walks in flight. A lane on a leaf adds its output
 * and takes the next row; once no row is left, each lane finishes its walk. Lanes may take padding
 * rows past `end` (sums never read). The block is SLOT_BYTES-aligned: a row address whose low bits
 * are zero starts a new group.
 */
@inline function refill(selection: i32, root: usize, block: usize, end: usize, groupBytes: usize, sum: usize): void {
  let r0 = block, r1 = block + LANE_BYTES, r2 = block + 2 * LANE_BYTES, r3 = block + 3 * LANE_BYTES;
  let n0 = root, n1 = root, n2 = root, n3 = root;
  let next = block + 4 * LANE_BYTES;
  const skip = groupBytes - SLOT_BYTES; // from past the last lane of a group to the next group
  while (next < end) {
    // the lanes, unrolled: each either steps or, on a leaf, adds and restarts on the next row
    let meta = load<u32>(n0, 8);
    if (meta & LEAF) { addLeaf(r0 + sum, n0); r0 = next; next = nextRow(next, skip); n0 = root; } else n0 = nextRecord(selection, TRANSPOSED, n0, meta, r0);
    meta = load<u32>(n1, 8);
    if (meta & LEAF) { addLeaf(r1 + sum, n1); r1 = next; next = nextRow(next, skip); n1 = root; } else n1 = nextRecord(selection, TRANSPOSED, n1, meta, r1);
    meta = load<u32>(n2, 8);
    if (meta & LEAF) { addLeaf(r2 + sum, n2); r2 = next; next = nextRow(next, skip); n2 = root; } else n2 = nextRecord(selection, TRANSPOSED, n2, meta, r2);
    meta = load<u32>(n3, 8);
    if (meta & LEAF) { addLeaf(r3 + sum, n3); r3 = next; next = nextRow(next, skip); n3 = root; } else n3 = nextRecord(selection, TRANSPOSED, n3, meta, r3);
  }
  addLeaf(r0 + sum, finishWalk(selection, TRANSPOSED, n0, r0));
  addLeaf(r1 + sum, finishWalk(selection, TRANSPOSED, n1, r1));
  addLeaf(r2 + sum, finishWalk(selection, TRANSPOSED, n2, r2));
  addLeaf(r3 + sum, finishWalk(selection, TRANSPOSED, n3, r3));
}

@inline function nextRow(row: usize, skip: usize): usize {
  const next = row + LANE_BYTES;
  return next + select<usize>(skip, 0, (next & (SLOT_BYTES - 1)) == 0);
}

@inline function finishWalk(selection: i32, shift: i32, node: usize, row: usize): usize {
  let meta = load<u32>(node, 8);
  while ((meta & LEAF) == 0) {
    node = nextRecord(selection, shift, node, meta, row);
    meta = load<u32>(node, 8);
  }
  return node;
}

// --------------------------------------------------------------------------------- single rows

/**
 * Walks trees [treeBegin, treeEnd) for one row, eight walks in flight: a walk that reaches a leaf
 * writes the leaf's address to its tree's slot in `leaves` (a u32 per tree, from treeBegin) and
 * starts the next tree. Fetching a record of a tree not in cache takes long; eight independent walks
 * overlap those waits. Slots just past treeEnd (LANES of them) take the idle lanes' leaves.
 */
function leavesOfRow(row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void {
  if (binned) {
    const bins = leaves + leafSlotBytes();
    binRow(row, bins, 1 << ROW_MAJOR);
    treesBinned(bins, treeBegin, treeEnd, leaves);
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

@inline function slotOf(leaves: usize, k: i32): usize {
  return leaves + (<usize>k << 2);
}

/** A lane's first record for `tree`: its root, or, past treeEnd, a leaf to idle on. */
@inline function laneStart(tree: i32, treeEnd: i32): usize {
  return tree < treeEnd ? rootOf(tree, walkNodes) : idleLeaf;
}

@inline function walkTrees(selection: i32, row: usize, treeBegin: i32, treeEnd: i32, leaves: usize): void {
  let s0 = leaves, s1 = leaves + 4, s2 = leaves + 8, s3 = leaves + 12, s4 = leaves + 16, s5 = leaves + 20, s6 = leaves + 24, s7 = leaves + 28;
  let n0 = laneStart(treeBegin, treeEnd), n1 = laneStart(treeBegin + 1, treeEnd), n2 = laneStart(treeBegin + 2, treeEnd), n3 = laneStart(treeBegin + 3, treeEnd);
  let n4 = laneStart(treeBegin + 4, treeEnd), n5 = laneStart(treeBegin + 5, treeEnd), n6 = laneStart(treeBegin + 6, treeEnd), n7 = laneStart(treeBegin + 7, treeEnd);
  let next = treeBegin + LANES;
  while (next < treeEnd) {
    // the lanes, unrolled: each either steps or, on a leaf, records it and starts the next tree
    let meta = load<u32>(n0, 8);
    if (meta & LEAF) { store<u32>(s0, <u32>n0); s0 = slotOf(leaves, next - treeBegin); n0 = laneStart(next++, treeEnd); } else n0 = nextRecord(selection, ROW_MAJOR, n0, meta, row);
    meta = load<u32>(n1, 8);
    if (meta & LEAF) { store<u32>(s1, <u32>n1); s1 = slotOf(leaves, next - treeBegin); n1 = laneStart(next++, treeEnd); } else n1 = nextRecord(selection, ROW_MAJOR, n1, meta, row);
    meta = load<u32>(n2, 8);
    if (meta & LEAF) { store<u32>(s2, <u32>n2); s2 = slotOf(leaves, next - treeBegin); n2 = laneStart(next++, treeEnd); } else n2 = nextRecord(selection, ROW_MAJOR, n2, meta, row);
    meta = load<u32>(n3, 8);
    if (meta & LEAF) { store<u32>(s3, <u32>n3); s3 = slotOf(leaves, next - treeBegin); n3 = laneStart(next++, treeEnd); } else n3 = nextRecord(selection, ROW_MAJOR, n3, meta, row);
    meta = load<u32>(n4, 8);
    if (meta & LEAF) { store<u32>(s4, <u32>n4); s4 = slotOf(leaves, next - treeBegin); n4 = laneStart(next++, treeEnd); } else n4 = nextRecord(selection, ROW_MAJOR, n4, meta, row);
    meta = load<u32>(n5, 8);
    if (meta & LEAF) { store<u32>(s5, <u32>n5); s5 = slotOf(leaves, next - treeBegin); n5 = laneStart(next++, treeEnd); } else n5 = nextRecord(selection, ROW_MAJOR, n5, meta, row);
    meta = load<u32>(n6, 8);
    if (meta & LEAF) { store<u32>(s6, <u32>n6); s6 = slotOf(leaves, next - treeBegin); n6 = laneStart(next++, treeEnd); } else n6 = nextRecord(selection, ROW_MAJOR, n6, meta, row);
    meta = load<u32>(n7, 8);
    if (meta & LEAF) { store<u32>(s7, <u32>n7); s7 = slotOf(leaves, next - treeBegin); n7 = laneStart(next++, treeEnd); } else n7 = nextRecord(selection, ROW_MAJOR, n7, meta, row);
  }
  store<u32>(s0, <u32>finishWalk(selection, ROW_MAJOR, n0, row));
  store<u32>(s1, <u32>finishWalk(selection, ROW_MAJOR, n1, row));
  store<u32>(s2, <u32>finishWalk(selection, ROW_MAJOR, n2, row));
  store<u32>(s3, <u32>finishWalk(selection, ROW_MAJOR, n3, row));
  store<u32>(s4, <u32>finishWalk(selection, ROW_MAJOR, n4, row));
  store<u32>(s5, <u32>finishWalk(selection, ROW_MAJOR, n5, row));
  store<u32>(s6, <u32>finishWalk(selection, ROW_MAJOR, n6, row));
  store<u32>(s7, <u32>finishWalk(selection, ROW_MAJOR, n7, row));
}

function rawOfRow(row: usize, treeBegin: i32, treeEnd: i32, sums: usize, leaves: usize): void {
  leavesOfRow(row, treeBegin, treeEnd, leaves);
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

/** Scratch bytes for walking one row's trees (single rows, leaf indices): leafSlotBytes, then the row's bins. */
export function rowScratchBytes(): usize {
  return leafSlotBytes() + (<usize>rowStride << ROW_MAJOR);
}

/** Leaf indices: out[row * (treeEnd - treeBegin) + k] = LightGBM's leaf number in tree treeBegin + k. */
export function predictLeaf(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize, scratch: usize): void {
  const rowBytes = <usize>rowStride << 3;
  const width = treeEnd - treeBegin;
  for (let i = 0; i < numRows; i++) {
    leavesOfRow(rows + <usize>i * rowBytes, treeBegin, treeEnd, scratch);
    const leafNumbers = out + (<usize>(i * width) << 2);
    for (let k = 0; k < width; k++) {
      const leaf = <usize>load<u32>(slotOf(scratch, k));
      store<i32>(slotOf(leafNumbers, k), load<i32>(nodeLeaves + (<usize>indexOf(leaf, walkNodes) << 2)));
    }
  }
}
