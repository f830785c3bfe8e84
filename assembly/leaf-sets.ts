// Leaf sets (after QuickScorer: Lucchese et al., SIGIR 2015) for models with pre-binned or compact
// records whose trees have at most 32 leaves: a row's leaf in each tree is found without walking the
// tree.
//
// A tree's leaves, numbered left to right, are the bits of a u32. A split that a row does not go
// left at rules out the leaves of its left subtree, and the row's leaf is the leftmost one that no
// such split rules out: where the row went right on its path, its leaf is on the right, and any leaf
// to the left of it branches off the path at such a split.
// Which splits a row goes right at depends only on its bins (decisions.ts: binOf, compactBinOf; rows
// with NaN have no compact bins and keep the walks), so a table gives, for each feature and bin, the
// leaves that every tree's splits on that feature leave in: one u32 per tree, the trees side by side.
// A row's leaf sets are then the AND of one table row per feature, four trees to a vector, read in
// order; each tree's leaf is the lowest bit left in its set.
//
// At featureTables: per feature, the address of its table (0 for a feature no split reads) and its
// last row; then per tree the address of its leaf outputs (f64, left to right); then the outputs; then
// the tables, a row of treeSlots u32 per bin of the feature. A categorical feature's table stops after
// the highest category its splits name: every bin from there on goes right everywhere, and shares
// the last row.
import { binCount } from "./decisions";
import {
  binned, CATEGORICAL, compact, compactBinCount, compactNodes, FEATURE_MASK, indexOf, LEAF, maxTreeRecords, numClass,
  numFeatures, numTrees, recordAt, treeStarts, walkNodes,
} from "./model";

const MAX_LEAVES: i32 = 32;
/** Tables bigger than this are not built: each row would read too much of them. */
const MAX_TABLE_BYTES: f64 = 4 * 1024 * 1024;

export let leafSets: bool = false;
let featureTables: usize = 0;
let treeOutputs: usize = 0;
/** u32 per tree in a table row: numTrees, rounded up to whole vectors. */
let treeSlots: i32 = 0;

@inline function slotsFor(trees: i32): i32 {
  return (trees + 3) & ~3;
}

/**
 * Bytes setLeafSets needs (at most; after setBinning or setCompact), or 0 when the model gets none:
 * its records are neither, a tree has more than 32 leaves, or the tables would pass MAX_TABLE_BYTES.
 */
export function leafSetBytes(): f64 {
  if ((!binned && !compact) || maxTreeRecords > 2 * MAX_LEAVES - 1) return 0;
  let bins: f64 = 0;
  for (let feature = 0; feature < numFeatures; feature++) bins += <f64>binsOf(feature);
  const tables = bins * <f64>slotsFor(numTrees) * 4;
  if (tables > MAX_TABLE_BYTES) return 0;
  const leaves = (load<i32>(treeStarts + (<usize>numTrees << 2)) + numTrees) >> 1;
  return <f64>(2 * numFeatures + numTrees) * 4 + <f64>leaves * 8 + 16 + tables;
}

/** Bins of a feature: binOf's, or compactBinOf's. */
@inline function binsOf(feature: i32): i32 {
  return binned ? binCount(feature) : compactBinCount(feature);
}

@inline function recordsOf(tree: i32): i32 {
  return load<i32>(treeStarts + (<usize>tree << 2), 4) - load<i32>(treeStarts + (<usize>tree << 2));
}

/** Builds the leaf sets at `at` (leafSetBytes() > 0 bytes there); returns the address just past them. */
export function setLeafSets(at: usize): usize {
  treeSlots = slotsFor(numTrees);
  featureTables = at;
  treeOutputs = featureTables + (<usize>numFeatures << 3);
  let outputs = treeOutputs + (<usize>numTrees << 2);
  for (let tree = 0; tree < numTrees; tree++) {
    store<u32>(treeOutputs + (<usize>tree << 2), <u32>outputs);
    outputs += <usize>((recordsOf(tree) + 1) >> 1) << 3;
  }
  // a table for each feature that some split reads, every leaf in at first
  memory.fill(featureTables, 0, <usize>numFeatures << 3);
  for (let tree = 0; tree < numTrees; tree++) countRows(tree);
  let table = (outputs + 15) & ~15;
  const rowBytes = <usize>treeSlots << 2;
  for (let feature = 0; feature < numFeatures; feature++) {
    const slot = featureTables + (<usize>feature << 3);
    const rows = load<u32>(slot, 4);
    if (rows == 0) continue;
    store<u32>(slot, <u32>table);
    store<u32>(slot, rows - 1, 4);
    const bytes = <usize>rows * rowBytes;
    memory.fill(table, 0xff, bytes);
    table += bytes;
  }
  for (let tree = 0; tree < numTrees; tree++) fillTree(tree);
  if (!binned) for (let feature = 0; feature < numFeatures; feature++) sweepTable(feature);
  leafSets = true;
  return table;
}

/** The rows each feature's table needs for a tree's splits, the most so far kept at featureTables + 8 * feature + 4. */
function countRows(tree: i32): void {
  const end = load<i32>(treeStarts + (<usize>tree << 2), 4);
  for (let index = load<i32>(treeStarts + (<usize>tree << 2)); index < end; index++) {
    const record = recordAt(index, walkNodes);
    const meta = load<u32>(record, 8);
    if (meta & LEAF) continue;
    const feature = <i32>(meta & FEATURE_MASK);
    // a categorical split: its highest category, and a row for all the bins past it
    const rows = meta & CATEGORICAL ? <u32>(65 - clz(load<u64>(record))) : <u32>binsOf(feature);
    const slot = featureTables + (<usize>feature << 3) + 4;
    store<u32>(slot, max(load<u32>(slot), rows));
  }
}

/**
 * Copies a tree's leaf outputs, and takes each split's left subtree out of the tree's sets for the
 * bins that go right. A compact split sends right the bins past its threshold's: it marks only the
 * first of them, and sweepTable carries the mark on.
 */
function fillTree(tree: i32): void {
  const first = load<i32>(treeStarts + (<usize>tree << 2));
  const end = load<i32>(treeStarts + (<usize>tree << 2), 4);
  const outputs = <usize>load<u32>(treeOutputs + (<usize>tree << 2));
  const rowBytes = <usize>treeSlots << 2;
  let leaves = 0;
  for (let index = first; index < end; index++) {
    const record = recordAt(index, walkNodes);
    const meta = load<u32>(record, 8);
    if (meta & LEAF) {
      store<f64>(outputs + (<usize>leaves << 3), load<f64>(record));
      leaves++;
      continue;
    }
    const feature = <i32>(meta & FEATURE_MASK);
    // the left subtree is records index + 1 .. right - 1: 2n - 1 of them for its n leaves (n < 32)
    const leftLeaves = (indexOf(<usize>load<u32>(record, 12), walkNodes) - index) >> 1;
    const keep = ~(((<u32>1 << <u32>leftLeaves) - 1) << <u32>leaves);
    const slot = featureTables + (<usize>feature << 3);
    const column = <usize>load<u32>(slot) + (<usize>tree << 2);
    if (!binned) {
      const firstRight = ((load<u32>(compactNodes + (<usize>index << 2)) >>> 8) & 0xff) + 1;
      if (firstRight > load<u32>(slot, 4)) continue; // a threshold above every value
      const at = column + <usize>firstRight * rowBytes;
      store<u32>(at, load<u32>(at) & keep);
      continue;
    }
    // the split's mask has the bins that go left; the table has rows up to the feature's last
    let right = ~load<u64>(record) & (<u64>-1 >> <u64>(63 - load<u32>(slot, 4)));
    while (right != 0) {
      const at = column + <usize>ctz(right) * rowBytes;
      store<u32>(at, load<u32>(at) & keep);
      right &= right - 1;
    }
  }
}

/** Each row of a compact feature's table takes in the rows before it: a bin goes right wherever a lower one does. */
function sweepTable(feature: i32): void {
  const slot = featureTables + (<usize>feature << 3);
  const table = <usize>load<u32>(slot);
  if (table == 0) return;
  const rowBytes = <usize>treeSlots << 2;
  const end = table + <usize>(load<u32>(slot, 4) + 1) * rowBytes;
  for (let at = table + rowBytes; at < end; at += 16) v128.store(at, v128.and(v128.load(at), v128.load(at - rowBytes)));
}

/**
 * Scratch bytes rowLeafSets needs, 0 without leaf sets: the trees' sets, then the address of a table
 * row per feature, and 16 bytes of room to align them.
 */
export function leafSetScratchBytes(): usize {
  return leafSets ? 16 + (<usize>treeSlots << 2) + (<usize>numFeatures << 2) : 0;
}

/**
 * Adds a row's outputs of trees [treeBegin, treeEnd) to sums (one f64 per class), in tree order. The
 * row's bins are at bins + (feature << shift); `scratch` holds leafSetScratchBytes(), 16-byte aligned.
 */
export function rowLeafSets(bins: usize, shift: usize, treeBegin: i32, treeEnd: i32, sums: usize, scratch: usize): void {
  // the vectors that hold trees [treeBegin, treeEnd)
  const from = <usize>(treeBegin & ~3) << 2;
  const to = <usize>slotsFor(treeEnd) << 2;
  // the table row of each feature, then the trees' sets, a vector at a time (an AND per feature in
  // a register, and one store)
  const sets = scratch;
  const rowBytes = <usize>treeSlots << 2;
  const tableRows = scratch + rowBytes;
  let end = tableRows;
  for (let feature = 0; feature < numFeatures; feature++) {
    const slot = featureTables + (<usize>feature << 3);
    const table = <usize>load<u32>(slot);
    if (table == 0) continue;
    store<u32>(end, <u32>(table + <usize>min<u32>(load<u8>(bins + (<usize>feature << shift)), load<u32>(slot, 4)) * rowBytes));
    end += 4;
  }
  for (let at = from; at < to; at += 16) {
    let set = i32x4.splat(-1);
    for (let row = tableRows; row < end; row += 4) set = v128.and(set, v128.load(<usize>load<u32>(row) + at));
    v128.store(sets + at, set);
  }
  if (numClass == 1) {
    let sum = load<f64>(sums);
    for (let tree = treeBegin; tree < treeEnd; tree++) sum += leafOutput(tree, sets);
    store<f64>(sums, sum);
    return;
  }
  for (let tree = treeBegin; tree < treeEnd; tree++) {
    const sum = sums + (<usize>(tree % numClass) << 3);
    store<f64>(sum, load<f64>(sum) + leafOutput(tree, sets));
  }
}

/** A tree's output: the lowest leaf left in its set. */
@inline function leafOutput(tree: i32, sets: usize): f64 {
  const set = load<u32>(sets + (<usize>tree << 2));
  return load<f64>(<usize>load<u32>(treeOutputs + (<usize>tree << 2)) + (<usize>ctz(set) << 3));
}
