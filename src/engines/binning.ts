// Pre-binned decisions for the WASM kernel: when every feature of a model has few distinct
// thresholds (or is categorical with small category codes), each input value can be replaced by a
// small bin number and each split by a 64-bit mask of the bins that go left. A decision is then one
// shift and one AND, the same for numeric and categorical splits, for missing values and for zero:
//
//   numeric feature with sorted distinct thresholds t[0] < ... < t[k-1] (k <= MAX_EDGES):
//     bin(x) = the number of thresholds below x (0..k), NaN -> k + 1, 0 -> k + 2
//     x <= t[j]  <=>  bin(x) <= j, so a split on t[j] sends bins 0..j left; its NaN bin goes where
//     NAN_LEFT says and its zero bin where LightGBM sends 0 (the default side at missing type Zero)
//   categorical feature: bin(x) = the category (0..MAX_CATEGORY), anything else -> NOT_A_CATEGORY,
//     and a split's mask is its category set
//
// The kernel bins the rows (assembly/decisions.ts: binOf) and walks masks instead of thresholds.
// Models it does not fit (many thresholds, linear leaves, wide category sets) may get compact
// records (below), else keep the f64 walks.
import {
  CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, LEAF, MISSING_ZERO, type ModelLayout, NAN_LEFT, TREE_CATEGORICAL, TREE_LINEAR,
  TREE_MISSING_ZERO,
} from "../model/layout";

/** Thresholds per numeric feature at most: value bins 0..k, then NaN and zero, within 64 bits. */
export const MAX_EDGES = 61;
/** Categories 0..MAX_CATEGORY have their own bin; every other value shares NOT_A_CATEGORY. */
export const MAX_CATEGORY = 61;
export const NOT_A_CATEGORY = 62;
/** Edges per feature as the kernel stores them: padded with +Infinity for a fixed-step search. */
export const EDGE_SLOTS = 64;

export interface Binning {
  /** Per record, two u32 words (low, high): the bins that go left; 0 for leaves. */
  masks: Uint32Array;
  /** Per feature, EDGE_SLOTS sorted thresholds padded with +Infinity (unused for categorical ones). */
  edges: Float64Array;
  /** Per feature: the number of thresholds k, or -1 for a categorical feature. */
  edgeCounts: Int32Array;
}

/** The binning of a model, or null when some feature or split does not fit in 64 bins. */
export function binModel(layout: ModelLayout): Binning | null {
  const { numFeatures, numNodes, nodeWords, nodeValue, linear } = layout;
  if (linear) return null;
  // each numeric feature's distinct thresholds, kept sorted as they are found
  const edges = new Float64Array(numFeatures * EDGE_SLOTS).fill(Infinity);
  const edgeCounts = new Int32Array(numFeatures);
  const categorical = new Uint8Array(numFeatures);
  for (let r = 0; r < numNodes; r++) {
    const meta = nodeWords[4 * r + 2];
    if (meta & LEAF) continue;
    const feature = meta & FEATURE_MASK;
    if (meta & CATEGORICAL) {
      categorical[feature] = 1;
      continue;
    }
    const threshold = nodeValue[2 * r] + 0; // -0 as 0, which it equals
    if (!Number.isFinite(threshold)) return null;
    const first = feature * EDGE_SLOTS;
    const count = edgeCounts[feature];
    const at = first + edgesBelow(edges, first, count, threshold);
    if (at < first + count && edges[at] === threshold) continue;
    if (count === MAX_EDGES) return null;
    edges.copyWithin(at + 1, at, first + count);
    edges[at] = threshold;
    edgeCounts[feature] = count + 1;
  }
  for (let f = 0; f < numFeatures; f++) {
    if (!categorical[f]) continue;
    if (edgeCounts[f] > 0) return null; // a feature split both ways: not a LightGBM model's doing
    edgeCounts[f] = -1;
  }

  const masks = new Uint32Array(2 * numNodes);
  for (let r = 0; r < numNodes; r++) {
    const meta = nodeWords[4 * r + 2];
    if (meta & LEAF) continue;
    if (meta & CATEGORICAL) {
      if (!copyCategorySet(layout, nodeValue[2 * r], masks, r)) return null;
      continue;
    }
    const feature = meta & FEATURE_MASK;
    const threshold = nodeValue[2 * r];
    const k = edgeCounts[feature];
    // bins 0 .. j (values up to the threshold t[j], which has j edges below it) go left
    const below = edgesBelow(edges, feature * EDGE_SLOTS, k, threshold) + 1;
    masks[2 * r] = lowBits(below);
    masks[2 * r + 1] = lowBits(below - 32);
    if (meta & NAN_LEFT) setBit(masks, r, k + 1);
    if (meta & MISSING_ZERO ? meta & DEFAULT_LEFT : 0 <= threshold) setBit(masks, r, k + 2);
  }
  return { masks, edges, edgeCounts };
}

/** How many of the `count` sorted edges from edges[first] are below `value` (a binary search). */
function edgesBelow(edges: Float64Array, first: number, count: number, value: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[first + mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A u32 with its n lowest bits set (none for n <= 0, all for n >= 32), without Math.pow (2 ** n). */
function lowBits(n: number): number {
  return n <= 0 ? 0 : n >= 32 ? 0xffffffff : 0xffffffff >>> (32 - n);
}

function setBit(masks: Uint32Array, record: number, bit: number): void {
  masks[2 * record + (bit >>> 5)] |= 1 << (bit & 31);
}

/** Copies a category set into record r's mask; false if it holds a category beyond MAX_CATEGORY. */
function copyCategorySet(layout: ModelLayout, set: number, masks: Uint32Array, record: number): boolean {
  const { catBounds, catWords } = layout;
  const first = catBounds[set];
  const words = catBounds[set + 1] - first;
  for (let w = 2; w < words; w++) if (catWords[first + w] !== 0) return false;
  const high = words > 1 ? catWords[first + 1] : 0;
  if (high >>> (MAX_CATEGORY + 1 - 32) !== 0) return false;
  masks[2 * record] = words > 0 ? catWords[first] : 0;
  masks[2 * record + 1] = high;
  return true;
}

// Compact records, for numeric models too finely split for the masks above (models trained with
// LightGBM's default max_bin = 255 have up to 254 thresholds per feature): a split becomes a u32 of
// feature, threshold bin and right-child distance, a leaf the index of its output in a packed array,
// and a row's value its bin, the number of the feature's thresholds below it. x <= t[j] <=> bin(x) <= j,
// as above. The kernel collects the thresholds and writes the records (assembly/model.ts:
// setCompact), and gives up when a feature has more than 255 of them or one is NaN. NaN and the zero
// of missing type Zero have no bin here: rows with NaN keep the f64 walks, and models with
// categorical or missing-type-Zero splits do not get compact records.

/** Edges per feature as the kernel stores them: padded with +Infinity for a fixed-step search. */
export const COMPACT_EDGE_SLOTS = 256;
/** Features at most (a byte each), and records per tree at most (the right-child distance has 15 bits). */
const MAX_COMPACT_FEATURES = 256;
const MAX_COMPACT_TREE_RECORDS = 32768;

/** Whether a model's splits and trees may fit compact records (their thresholds are the kernel's to count). */
export function compactMayFit(layout: ModelLayout): boolean {
  const { numFeatures, numTrees, treeStart, treeFlags } = layout;
  if (numFeatures > MAX_COMPACT_FEATURES) return false;
  for (let t = 0; t < numTrees; t++) {
    if (treeFlags[t] & (TREE_LINEAR | TREE_CATEGORICAL | TREE_MISSING_ZERO)) return false;
    if (treeStart[t + 1] - treeStart[t] > MAX_COMPACT_TREE_RECORDS) return false;
  }
  return true;
}
