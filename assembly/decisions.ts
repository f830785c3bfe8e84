// LightGBM's Tree::Decision on the kernel's records, and the branch-free child selections the fast
// walks use. Rows arrive prepared (src/engines/rows.ts): |x| <= kZeroThreshold is already +0, and
// the slot after the features holds NaN.
import {
  CATEGORICAL, CATEGORY_BITS, catBounds, catWords, COMPACT_RECORD_BYTES, compactEdges, DEFAULT_LEFT, edgeCounts, edges,
  FEATURE_MASK, indexOf, isLeaf, LEAF, linearBegin, linearCoeff, linearConst, linearFeature, MISSING_ZERO, NAN_LEFT,
  RECORD_BYTES, TREE_CATEGORICAL, TREE_MISSING_ZERO,
} from "./model";

/** A category set held in the record: NaN, negative and >= 64 categories go right. */
@inline function categoryBitsLeft(value: f64, bits: u64): i32 {
  // LightGBM casts with static_cast<int>, truncating toward zero. trunc_sat maps NaN to 0, hence the
  // NaN test; out-of-range values saturate and go right, as INT_MIN does in LightGBM.
  const category = <i32>value;
  const inSet = <i32>(bits >>> <u64>(category & 63)) & 1;
  return inSet & <i32>(<u32>category < 64) & <i32>(value == value);
}

/** A category set of any width, looked up in catWords. */
function categoryWordsLeft(value: f64, setIndex: i32): bool {
  if (isNaN(value)) return false;
  const category = <i32>value;
  if (category < 0) return false;
  const first = load<i32>(catBounds + (<usize>setIndex << 2));
  const words = load<i32>(catBounds + (<usize>setIndex << 2), 4) - first;
  const word = category >>> 5;
  if (word >= words) return false;
  return ((load<u32>(catWords + (<usize>(first + word) << 2)) >>> (category & 31)) & 1) != 0;
}

/** Tree::Decision for one split and one row: the reference every fast selection below matches. */
export function goesLeft(node: usize, row: usize): bool {
  const meta = load<u32>(node, 8);
  const value = load<f64>(row + (<usize>(meta & FEATURE_MASK) << 3));
  if (meta & CATEGORY_BITS) return categoryBitsLeft(value, load<u64>(node)) != 0;
  if (meta & CATEGORICAL) return categoryWordsLeft(value, <i32>load<f64>(node));
  if (isNaN(value)) return (meta & NAN_LEFT) != 0;
  // missing type Zero: LightGBM's IsZero, and |x| <= kZeroThreshold arrives here as 0
  if ((meta & MISSING_ZERO) != 0 && value == 0) return (meta & DEFAULT_LEFT) != 0;
  return value <= load<f64>(node);
}

export function leafFor(root: usize, row: usize): usize {
  let node = root;
  while (!isLeaf(node)) node = goesLeft(node, row) ? node + RECORD_BYTES : <usize>load<u32>(node, 12);
  return node;
}

/** A linear leaf: constant + sum of coefficient * feature in stored order; the leaf value if any is NaN. */
export function linearOutput(leaf: usize, row: usize): f64 {
  const index = <usize>indexOf(leaf);
  let output = load<f64>(linearConst + (index << 3));
  const end = load<i32>(linearBegin + (index << 2), 4);
  for (let k = load<i32>(linearBegin + (index << 2)); k < end; k++) {
    const value = load<f64>(row + (<usize>load<i32>(linearFeature + (<usize>k << 2)) << 3));
    if (isNaN(value)) return load<f64>(leaf);
    output += load<f64>(linearCoeff + (<usize>k << 3)) * value;
  }
  return output;
}

// ------------------------------------------------------------------- branch-free child selection
// Which selection is exact depends on the tree (its flags) and the rows (NaN or not): the walks
// choose the cheapest exact one per tree and per block of rows. Each says whether a row goes left at
// a split (leftOf); walks test for a leaf first (isLeafWord), so none is asked at a leaf (a binned
// leaf holds its output where a split holds its mask, and a compact leaf has no feature).

/** Numeric splits, rows without NaN, no missing type Zero: left when value <= threshold. */
export const PLAIN: i32 = 0;
/** Selection bit: rows with NaN, or splits of missing type Zero. */
export const WITH_MISSING: i32 = 1;
/** Selection bit: categorical splits (sets of categories 0-63, held in the record). */
export const WITH_CATEGORIES: i32 = 2;
export const ANY: i32 = WITH_MISSING | WITH_CATEGORIES;
/** Pre-binned rows and records (model.ts: setBinning): any split, any value, one shift and AND. */
export const BINNED: i32 = 4;
/** Compact records (model.ts: setCompact) and rows of their bins, without NaN: one byte compare. */
export const COMPACT: i32 = 8;

/** The word a walk decides on: the compact record, or a record's meta word. */
@inline export function wordAt(selection: i32, node: usize): u32 {
  return selection == COMPACT ? load<u32>(node) : load<u32>(node, 8);
}

@inline export function isLeafWord(selection: i32, word: u32): bool {
  return selection == COMPACT ? <i32>word < 0 : (word & LEAF) != 0; // COMPACT_LEAF is the sign bit
}

/** The selection for a tree's flags (not TREE_WIDE_CATEGORIES) and rows with or without NaN. */
@inline export function selectionFor(flags: i32, rowsHaveNaN: bool): i32 {
  return (flags & TREE_CATEGORICAL ? WITH_CATEGORIES : 0) | (rowsHaveNaN || (flags & TREE_MISSING_ZERO) != 0 ? WITH_MISSING : 0);
}

/** Feature f of a row is at row + (f << ROW_MAJOR): rows one after another. */
export const ROW_MAJOR: i32 = 3;

/** Where a split (its word: wordAt) reads its feature, from a row's start. */
@inline export function featureOffset(selection: i32, shift: i32, meta: u32): usize {
  return <usize>(meta & (selection == COMPACT ? 0xff : FEATURE_MASK)) << shift;
}

/**
 * Whether a row goes left at a split (its word: wordAt; its value: load<u64>), given the address of
 * the row's feature (featureOffset). `selection` must be a constant, so that each walk compiles to
 * just the checks it needs. Walks never ask at a leaf.
 */
@inline export function leftOf(selection: i32, meta: u32, bits: u64, feature: usize): i32 {
  if (selection == COMPACT) return <i32>(<u32>load<u8>(feature) <= ((meta >>> 8) & 0xff));
  if (selection == BINNED) return <i32>(bits >>> <u64>load<u8>(feature)) & 1; // the bins that go left
  const value = load<f64>(feature);
  let left = <i32>(value <= reinterpret<f64>(bits));
  if (selection & WITH_MISSING) {
    left |= <i32>(value != value) & <i32>((meta >>> 28) & 1); // NAN_LEFT
    const zeroMissing = <i32>(value == 0) & <i32>((meta >>> 26) & 1); // MISSING_ZERO
    left = select<i32>(<i32>((meta >>> 25) & 1), left, zeroMissing); // DEFAULT_LEFT
  }
  if (selection & WITH_CATEGORIES) left = select<i32>(categoryBitsLeft(value, bits), left, <i32>((meta >>> 30) & 1));
  return left;
}

/** A split's left child: the next record. */
@inline export function leftChild(selection: i32, node: usize): usize {
  return node + (selection == COMPACT ? COMPACT_RECORD_BYTES : RECORD_BYTES);
}

/** A split's right child. */
@inline export function rightChild(selection: i32, node: usize, meta: u32): usize {
  return selection == COMPACT ? node + (<usize>(meta >>> 16) << 2) : <usize>load<u32>(node, 12);
}

/** The next record from `node` for `row`: leftOf, then the child. */
@inline export function nextRecord(selection: i32, shift: i32, node: usize, meta: u32, row: usize): usize {
  const bits = selection == COMPACT ? 0 : load<u64>(node);
  const left = leftOf(selection, meta, bits, row + featureOffset(selection, shift, meta));
  return select<usize>(leftChild(selection, node), rightChild(selection, node, meta), left);
}

// Keep in step with src/engines/binning.ts.
const EDGE_SLOTS_LOG2: usize = 6;
export const COMPACT_EDGE_SLOTS_LOG2: usize = 8;
const MAX_CATEGORY: i32 = 61;
const NOT_A_CATEGORY: i32 = 62;

/** A feature value's bin (src/engines/binning.ts explains the bins). */
export function binOf(feature: i32, value: f64): i32 {
  const count = load<i32>(edgeCounts + (<usize>feature << 2));
  if (count < 0) {
    // a category: truncated toward zero, as LightGBM's static_cast<int>; trunc_sat maps NaN to 0
    const category = <i32>value;
    return value != value || category < 0 || category > MAX_CATEGORY ? NOT_A_CATEGORY : category;
  }
  if (value != value) return count + 1;
  if (value == 0) return count + 2;
  return thresholdsBelow(edges + (<usize>feature << (EDGE_SLOTS_LOG2 + 3)), EDGE_SLOTS_LOG2, value);
}

/** How many bins a feature's values fall in: binOf gives 0 .. binCount - 1. */
export function binCount(feature: i32): i32 {
  const count = load<i32>(edgeCounts + (<usize>feature << 2));
  return count < 0 ? NOT_A_CATEGORY + 1 : count + 3;
}

/** A value's bin for compact records (model.ts: setCompact): the feature's thresholds below it. Not NaN. */
export function compactBinOf(feature: i32, value: f64): i32 {
  return thresholdsBelow(compactEdges + (<usize>feature << (COMPACT_EDGE_SLOTS_LOG2 + 3)), COMPACT_EDGE_SLOTS_LOG2, value);
}

/** How many of the 2^log2Slots sorted doubles from `first` lie below `value`: a branch-free binary search. */
@inline export function thresholdsBelow(first: usize, log2Slots: usize, value: f64): i32 {
  let below = 0;
  for (let step = 1 << (<i32>log2Slots - 1); step > 0; step >>= 1) {
    below += select<i32>(step, 0, load<f64>(first + (<usize>(below + step - 1) << 3)) < value);
  }
  return below + <i32>(load<f64>(first + (<usize>below << 3)) < value);
}

/** True when any of `count` prepared rows from `rows` (stride in bytes) has a NaN feature. */
export function anyNaN(rows: usize, count: i32, strideBytes: usize, features: i32): bool {
  let found = false;
  for (let i = 0; i < count; i++) {
    const row = rows + <usize>i * strideBytes;
    for (let f = 0; f < features; f++) {
      const value = load<f64>(row + (<usize>f << 3));
      found |= value != value;
    }
  }
  return found;
}

