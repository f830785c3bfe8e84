// The model as the kernel sees it: where the loader (src/engines/wasm-engine.ts) put the layout's
// arrays in linear memory (src/model/layout.ts describes them), and the kernel's one-time rewrite of
// the node records for speed. The loader has validated the layout; nothing here trusts less than that.
//
// Node record, 16 bytes, one per tree node in depth-first (pre-)order; the left child of a split is
// the next record, so a walk only moves forward:
//   f64 value   threshold; category set (see CATEGORY_BITS); the output for leaves
//   u32 meta    feature index (bits 0-23) | flags (bits 24-30)
//   u32 right   after setModel: the address of the right child's record; a leaf points to itself
// A leaf's feature is the row's extra slot, which holds NaN, and NaN goes right at a leaf (NAN_LEFT
// clear): stepping from a leaf stays on it.

import { COMPACT_EDGE_SLOTS_LOG2 } from "./decisions";

export const FEATURE_MASK: u32 = 0x00ffffff;
export const CATEGORICAL: u32 = 1 << 24;
export const DEFAULT_LEFT: u32 = 1 << 25;
export const MISSING_ZERO: u32 = 1 << 26;
export const NAN_LEFT: u32 = 1 << 28;
export const LEAF: u32 = 1 << 29;
/** Kernel-only: a categorical split whose set (categories 0-63) is stored in `value` as 64 bits. */
export const CATEGORY_BITS: u32 = 1 << 30;

export const TREE_LINEAR: i32 = 1;
export const TREE_CATEGORICAL: i32 = 2;
export const TREE_MISSING_ZERO: i32 = 4;
/** Kernel-only: a categorical split with categories beyond 63, decided from catWords. */
export const TREE_WIDE_CATEGORIES: i32 = 8;
export const RECORD_BYTES: usize = 16;
export const COMPACT_RECORD_BYTES: usize = 4;

export let nodes: usize = 0; // records
export let nodeCounts: usize = 0; // i32 per record: training rows through it (TreeSHAP covers)
export let nodeLeaves: usize = 0; // i32 per record: LightGBM leaf number, -1 for splits
export let treeStarts: usize = 0; // i32 per tree + 1: first record index
export let treeFlags: usize = 0; // i32 per tree
export let treeExpected: usize = 0; // f64 per tree: expected value (TreeSHAP bias)
export let catBounds: usize = 0; // i32 per category set + 1: word ranges into catWords
export let catWords: usize = 0; // u32 bitset words
export let linearConst: usize = 0; // f64 per record
export let linearBegin: usize = 0; // i32 per record + 1: ranges into linearFeature / linearCoeff
export let linearFeature: usize = 0; // i32
export let linearCoeff: usize = 0; // f64
// Pre-binned decisions (src/engines/binning.ts), when the model has them: see setBinning.
export let binned: bool = false;
export let edges: usize = 0; // f64 per feature x EDGE_SLOTS: sorted thresholds, padded with +Infinity
export let edgeCounts: usize = 0; // i32 per feature: thresholds, or -1 for a categorical feature
/** The records the fast walks take: the binned copy when there is one, else the f64 records. */
export let walkNodes: usize = 0;
// Compact records, when the model has them: see setCompact.
export let compact: bool = false;
export let compactNodes: usize = 0; // u32 per record
export let compactLeafValues: usize = 0; // f64 per leaf, in record order
export let compactEdges: usize = 0; // f64 per feature x COMPACT_EDGE_SLOTS: sorted thresholds, padded with +Infinity

export let numTrees: i32 = 0;
/** Records of the biggest tree. */
export let maxTreeRecords: i32 = 0;
/** Every tree's flags, or-ed: a walk that mixes trees must handle all of them. */
export let modelFlags: i32 = 0;
/** A leaf record (the model's last record is always one), for walks with nothing to do. */
export let idleLeaf: usize = 0;
export let numFeatures: i32 = 0;
/** Doubles per input row: numFeatures + 1 (the extra slot is NaN). */
export let rowStride: i32 = 0;
export let numClass: i32 = 1;

export function heapBase(): usize {
  return __heap_base;
}

export function setModel(
  nodesPtr: usize, countsPtr: usize, leavesPtr: usize,
  startsPtr: usize, flagsPtr: usize, expectedPtr: usize,
  catBoundsPtr: usize, catWordsPtr: usize,
  linearConstPtr: usize, linearBeginPtr: usize, linearFeaturePtr: usize, linearCoeffPtr: usize,
  features: i32, classes: i32, trees: i32,
): void {
  nodes = nodesPtr;
  nodeCounts = countsPtr;
  nodeLeaves = leavesPtr;
  treeStarts = startsPtr;
  treeFlags = flagsPtr;
  treeExpected = expectedPtr;
  catBounds = catBoundsPtr;
  catWords = catWordsPtr;
  linearConst = linearConstPtr;
  linearBegin = linearBeginPtr;
  linearFeature = linearFeaturePtr;
  linearCoeff = linearCoeffPtr;
  numFeatures = features;
  rowStride = features + 1;
  numClass = classes;
  numTrees = trees;
  modelFlags = 0;
  binned = false;
  compact = false;
  walkNodes = nodes;
  maxTreeRecords = 0;
  for (let tree = 0; tree < numTrees; tree++) {
    maxTreeRecords = max(maxTreeRecords, load<i32>(treeStarts + (<usize>tree << 2), 4) - load<i32>(treeStarts + (<usize>tree << 2)));
    rewriteTree(tree);
    modelFlags |= flagsOf(tree);
  }
  idleLeaf = recordAt(numNodes() - 1, walkNodes);
}

/**
 * Switches the fast walks to pre-binned decisions: writes a copy of the records at `recordsPtr` in
 * which a split's value is the mask of bins that go left (`masksPtr`: two u32 words per record) and
 * a leaf keeps its output. Rows are then binned per feature with `edgesPtr` and `countsPtr`.
 */
export function setBinning(masksPtr: usize, edgesPtr: usize, countsPtr: usize, recordsPtr: usize): void {
  binned = true;
  edges = edgesPtr;
  edgeCounts = countsPtr;
  walkNodes = recordsPtr;
  const count = numNodes();
  for (let index = 0; index < count; index++) {
    const record = recordAt(index);
    const copy = recordAt(index, walkNodes);
    const meta = load<u32>(record, 8);
    store<u64>(copy, meta & LEAF ? load<u64>(record) : load<u64>(masksPtr + (<usize>index << 3)));
    store<u32>(copy, meta, 8);
    store<u32>(copy, <u32>(walkNodes + (<usize>load<u32>(record, 12) - nodes)), 12);
  }
  idleLeaf = recordAt(count - 1, walkNodes);
}

/**
 * Compact records for numeric models: a u32 per record, at the same index as the f64 record:
 *   a split:  bits 0-7 feature | bits 8-15 threshold bin | bits 16-30 right child's distance in records
 *   a leaf:   bit 31 | bits 0-30 its output's index in `leafValuesPtr` (f64, leaves in record order)
 * A split sends a row left when the row's bin for the feature (compactBinOf: the number of the
 * feature's thresholds below the value) is at most the threshold's bin. Four bytes a split instead of
 * sixteen, and the outputs packed together: a big model's walks touch a quarter of the memory.
 * The loader has checked the splits' kinds and the trees' sizes (src/engines/binning.ts:
 * compactMayFit); this counts the thresholds, and returns false, leaving the model as it was, when a
 * feature has more than COMPACT_MAX_EDGES of them or one is NaN. Rows with NaN keep the f64 walks.
 * `scratchPtr` lends compactScratchBytes() bytes for the time of the call.
 */
export function setCompact(edgesPtr: usize, recordsPtr: usize, leafValuesPtr: usize, scratchPtr: usize): bool {
  // per tree, like setModel's rewrite: V8 runs a long first call of a WASM function unoptimized, but
  // optimizes a function called often (the same below)
  startThresholdTable(scratchPtr, edgesPtr);
  for (let tree = 0; tree < numTrees; tree++) if (!collectEdges(tree, edgesPtr, recordsPtr)) return false;
  for (let feature = 0; feature < numFeatures; feature++) sortEdges(feature, edgesPtr);
  compact = true;
  compactEdges = edgesPtr;
  compactNodes = recordsPtr;
  compactLeafValues = leafValuesPtr;
  let leaves: u32 = 0;
  for (let tree = 0; tree < numTrees; tree++) leaves = writeCompactTree(tree, leaves);
  return true;
}

/** Writes a tree's compact records and packs its leaf outputs from index `leaves`; returns the next index. */
function writeCompactTree(tree: i32, leaves: u32): u32 {
  const end = load<i32>(treeStarts + (<usize>tree << 2), 4);
  for (let index = load<i32>(treeStarts + (<usize>tree << 2)); index < end; index++) {
    const record = recordAt(index);
    const meta = load<u32>(record, 8);
    let word: u32;
    if (meta & LEAF) {
      store<f64>(compactLeafValues + (<usize>leaves << 3), load<f64>(record));
      word = COMPACT_LEAF | leaves++;
    } else {
      const feature = meta & FEATURE_MASK;
      // a threshold's bin is the number of thresholds below it, so x <= t exactly when bin(x) <= bin(t)
      const bin = <u32>binOfSplit(index, feature, load<f64>(record));
      word = feature | (bin << 8) | (<u32>(indexOf(<usize>load<u32>(record, 12)) - index) << 16);
    }
    store<u32>(compactNodes + (<usize>index << 2), word);
  }
  return leaves;
}

/** Thresholds per feature at most in compact records: bins 0..255 fit in a byte. */
const COMPACT_MAX_EDGES: i32 = 255;

/** How many distinct thresholds collectEdges has found per feature (compact records have at most 256 features). */
const compactEdgeCounts = memory.data(256 << 2);

// The distinct thresholds are found with a hash table of (feature, threshold) entries, which later
// hold each threshold's bin: a split costs one probe (its record remembers its entry) instead of two
// binary searches. Entries are 16 bytes: the threshold's bits (u64), the feature (i32, -1 when the
// slot is empty), the bin.
const TABLE_ENTRY_BYTES: usize = 16;
let thresholdTable: usize = 0;
let tableMask: u32 = 0;

/** Slots of the threshold table: a power of two at least twice the most entries it can get. */
function tableSlots(): u32 {
  return <u32>1 << (32 - clz<u32>(<u32>(numFeatures * COMPACT_MAX_EDGES * 2)));
}

/** Bytes setCompact needs to borrow (after setModel). */
export function compactScratchBytes(): usize {
  return <usize>tableSlots() * TABLE_ENTRY_BYTES;
}

/** Empties the table, sets every feature's COMPACT_EDGE_SLOTS edges to +Infinity and their counts to 0. */
function startThresholdTable(scratch: usize, edges: usize): void {
  thresholdTable = scratch;
  tableMask = tableSlots() - 1;
  memory.fill(thresholdTable, 0xff, <usize>tableSlots() * TABLE_ENTRY_BYTES);
  const doubles = <usize>numFeatures << COMPACT_EDGE_SLOTS_LOG2;
  for (let at: usize = 0; at < doubles; at++) store<f64>(edges + (at << 3), Infinity);
  memory.fill(compactEdgeCounts, 0, 256 << 2);
}

/** A threshold's key in the table: its bits, -0 as 0 (which it equals). */
@inline function thresholdKey(threshold: f64): u64 {
  return reinterpret<u64>(threshold + 0.0);
}

/** The threshold's entry, or the empty slot where it belongs. */
function tableEntry(feature: i32, threshold: f64): usize {
  const bits = thresholdKey(threshold);
  const hash = (bits ^ (<u64>feature << 56)) * 0x9e3779b97f4a7c15;
  let entry = thresholdTable + (<usize>(<u32>(hash >> 32) & tableMask) << 4);
  // linear probing; the table is never more than half full
  while (load<i32>(entry, 8) != -1 && (load<i32>(entry, 8) != feature || load<u64>(entry) != bits)) {
    entry = thresholdTable + ((entry + TABLE_ENTRY_BYTES - thresholdTable) & (<usize>tableMask << 4));
  }
  return entry;
}

/**
 * Adds a tree's distinct split thresholds to each feature's edges, unsorted, and leaves in each
 * split's compact record where its threshold's entry is (writeCompactTree reads the bin from there).
 * False if a feature gets more than COMPACT_MAX_EDGES, or a threshold is NaN. A +Infinity threshold
 * needs no edge: every value but NaN is at most it, and its bin is the count of the feature's edges,
 * all below it.
 */
function collectEdges(tree: i32, edges: usize, records: usize): bool {
  const end = load<i32>(treeStarts + (<usize>tree << 2), 4);
  for (let index = load<i32>(treeStarts + (<usize>tree << 2)); index < end; index++) {
    const record = recordAt(index);
    const meta = load<u32>(record, 8);
    if (meta & LEAF) continue;
    const threshold = load<f64>(record);
    if (threshold != threshold) return false;
    if (threshold == Infinity) continue;
    const feature = <i32>(meta & FEATURE_MASK);
    const entry = tableEntry(feature, threshold);
    store<u32>(records + (<usize>index << 2), <u32>(entry - thresholdTable));
    if (load<i32>(entry, 8) != -1) continue;
    const known = load<i32>(compactEdgeCounts + (<usize>feature << 2));
    if (known == COMPACT_MAX_EDGES) return false;
    const key = thresholdKey(threshold);
    store<u64>(entry, key);
    store<i32>(entry, feature, 8);
    store<f64>(edges + (<usize>feature << (COMPACT_EDGE_SLOTS_LOG2 + 3)) + (<usize>known << 3), reinterpret<f64>(key));
    store<i32>(compactEdgeCounts + (<usize>feature << 2), known + 1);
  }
  return true;
}

/** Sorts a feature's edges (insertion sort: at most 255 distinct values) and writes each one's bin, its position, to the table. */
function sortEdges(feature: i32, edges: usize): void {
  const first = edges + (<usize>feature << (COMPACT_EDGE_SLOTS_LOG2 + 3));
  const count = load<i32>(compactEdgeCounts + (<usize>feature << 2));
  for (let i = 1; i < count; i++) {
    const value = load<f64>(first + (<usize>i << 3));
    let j = i;
    for (; j > 0 && load<f64>(first + (<usize>(j - 1) << 3)) > value; j--) {
      store<f64>(first + (<usize>j << 3), load<f64>(first + (<usize>(j - 1) << 3)));
    }
    store<f64>(first + (<usize>j << 3), value);
  }
  for (let i = 0; i < count; i++) store<i32>(tableEntry(feature, load<f64>(first + (<usize>i << 3))), i, 12);
}

/** How many bins a feature's values fall in with compact records: compactBinOf gives 0 .. its thresholds' count. */
export function compactBinCount(feature: i32): i32 {
  return load<i32>(compactEdgeCounts + (<usize>feature << 2)) + 1;
}

/** A split threshold's bin: the number of the feature's edges below it, from its entry (collectEdges). */
@inline function binOfSplit(index: i32, feature: u32, threshold: f64): i32 {
  if (threshold == Infinity) return load<i32>(compactEdgeCounts + (<usize>feature << 2));
  return load<i32>(thresholdTable + <usize>load<u32>(compactNodes + (<usize>index << 2)), 12);
}

export const COMPACT_LEAF: u32 = 1 << 31;

@inline function numNodes(): i32 {
  return load<i32>(treeStarts + (<usize>numTrees << 2));
}

/**
 * Right children become addresses (one add less per step), and category sets that fit in 64 bits
 * move into the record (no second lookup); trees with wider sets are flagged.
 */
function rewriteTree(tree: i32): void {
  const end = load<i32>(treeStarts + (<usize>tree << 2), 4);
  for (let index = load<i32>(treeStarts + (<usize>tree << 2)); index < end; index++) {
    const record = recordAt(index);
    store<u32>(record, <u32>recordAt(load<i32>(record, 12)), 12);
    const meta = load<u32>(record, 8);
    if ((meta & CATEGORICAL) == 0) continue;
    const set = <i32>load<f64>(record);
    const first = load<i32>(catBounds + (<usize>set << 2));
    const words = load<i32>(catBounds + (<usize>set << 2), 4) - first;
    if (words > 2) {
      store<i32>(treeFlags + (<usize>tree << 2), flagsOf(tree) | TREE_WIDE_CATEGORIES);
      continue;
    }
    const low: u64 = words > 0 ? <u64>load<u32>(catWords + (<usize>first << 2)) : 0;
    const high: u64 = words > 1 ? <u64>load<u32>(catWords + (<usize>first << 2), 4) : 0;
    store<u64>(record, low | (high << 32));
    store<u32>(record, meta | CATEGORY_BITS, 8);
  }
}

// Records are addressed in the f64 records (`nodes`) unless another copy is named: the fast walks
// take `walkNodes`.
@inline export function recordAt(index: i32, base: usize = nodes): usize {
  return base + (<usize>index << 4);
}

@inline export function indexOf(node: usize, base: usize = nodes): i32 {
  return <i32>((node - base) >> 4);
}

@inline export function rootOf(tree: i32, base: usize = nodes): usize {
  return recordAt(load<i32>(treeStarts + (<usize>tree << 2)), base);
}

@inline export function flagsOf(tree: i32): i32 {
  return load<i32>(treeFlags + (<usize>tree << 2));
}

@inline export function isLeaf(node: usize): bool {
  return (load<u32>(node, 8) & LEAF) != 0;
}
