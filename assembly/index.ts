// The tree-traversal kernel. It scores rows against a model that the TypeScript loader
// (src/engines/wasm-engine.ts) has validated and written into this module's linear memory; the
// layout is described in src/model/layout.ts. The kernel allocates nothing and imports nothing.
//
// Node record, 16 bytes, one per tree node in depth-first (pre-)order:
//   f64 value   threshold; the category-set index for categorical splits; the output for leaves
//   u32 meta    feature index (bits 0-23) | flags (bits 24-29)
//   i32 right   record index of the right child; a leaf points to itself
// The left child is always the next record, so walks move strictly forward and always end.

const FEATURE_MASK: u32 = 0x00ffffff;
const CATEGORICAL: u32 = 1 << 24;
const DEFAULT_LEFT: u32 = 1 << 25;
const MISSING_ZERO: u32 = 1 << 26;
const NAN_LEFT: u32 = 1 << 28;
const LEAF: u32 = 1 << 29;

const TREE_LINEAR: i32 = 1;

// LightGBM's kZeroThreshold: the float literal 1e-35f.
const ZERO_THRESHOLD: f64 = <f64>(<f32>1e-35);

const ROW_BLOCK: i32 = 64;

// ------------------------------------------------------------------------------ model, set by setModel

let nodes: usize = 0; // records, 16 bytes each
let nodeCounts: usize = 0; // f64 per record: training rows through it (TreeSHAP covers)
let nodeLeaves: usize = 0; // i32 per record: LightGBM leaf number, -1 for splits
let treeRoots: usize = 0; // i32 per tree: first record
let treeFlags: usize = 0; // i32 per tree
let treeExpected: usize = 0; // f64 per tree: expected value (TreeSHAP bias)
let catBounds: usize = 0; // i32 per category set + 1: word ranges into catWords
let catWords: usize = 0; // u32 bitset words
let linearConst: usize = 0; // f64 per record
let linearBegin: usize = 0; // i32 per record + 1: ranges into linearFeature / linearCoeff
let linearFeature: usize = 0; // i32
let linearCoeff: usize = 0; // f64
let rowStride: i32 = 0; // doubles per input row: numFeatures + 1 (the extra slot is NaN)
let numClass: i32 = 1;
let numFeatures: i32 = 0;

export function heapBase(): usize {
  return __heap_base;
}

export function setModel(
  nodesPtr: usize, countsPtr: usize, leavesPtr: usize,
  rootsPtr: usize, flagsPtr: usize, expectedPtr: usize,
  catBoundsPtr: usize, catWordsPtr: usize,
  linearConstPtr: usize, linearBeginPtr: usize, linearFeaturePtr: usize, linearCoeffPtr: usize,
  features: i32, classes: i32,
): void {
  nodes = nodesPtr;
  nodeCounts = countsPtr;
  nodeLeaves = leavesPtr;
  treeRoots = rootsPtr;
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
}

// ------------------------------------------------------------------------------------ decisions

@inline function recordAt(index: i32): usize {
  return nodes + (<usize>index << 4);
}

@inline function metaOf(index: i32): u32 {
  return load<u32>(recordAt(index), 8);
}

@inline function rightOf(index: i32): i32 {
  return load<i32>(recordAt(index), 12);
}

function categoryGoesLeft(value: f64, setIndex: i32): bool {
  if (isNaN(value)) return false;
  // LightGBM casts with static_cast<int>: truncation; on x86 any value outside int range
  // becomes INT_MIN and goes right. trunc_sat maps those to INT_MIN / INT_MAX: right as well.
  const category = <i32>value;
  if (category < 0) return false;
  const first = load<i32>(catBounds + (<usize>setIndex << 2));
  const words = load<i32>(catBounds + (<usize>setIndex << 2), 4) - first;
  const word = category >>> 5;
  if (word >= words) return false;
  return ((load<u32>(catWords + (<usize>(first + word) << 2)) >>> (category & 31)) & 1) != 0;
}

/** LightGBM's Tree::Decision for one split record and one row. */
@inline function goesLeft(index: i32, row: usize): bool {
  const meta = metaOf(index);
  const value = load<f64>(row + (<usize>(meta & FEATURE_MASK) << 3));
  const threshold = load<f64>(recordAt(index));
  if (meta & CATEGORICAL) return categoryGoesLeft(value, <i32>threshold);
  if (isNaN(value)) return (meta & NAN_LEFT) != 0;
  if ((meta & MISSING_ZERO) != 0 && abs<f64>(value) <= ZERO_THRESHOLD) return (meta & DEFAULT_LEFT) != 0;
  return value <= threshold;
}

@inline function childFor(index: i32, row: usize): i32 {
  return goesLeft(index, row) ? index + 1 : rightOf(index);
}

function leafFor(tree: i32, row: usize): i32 {
  let index = load<i32>(treeRoots + (<usize>tree << 2));
  while ((metaOf(index) & LEAF) == 0) index = childFor(index, row);
  return index;
}

/** A linear leaf: constant + sum of coefficient * feature, or the plain leaf value if any is NaN. */
function linearOutput(leaf: i32, row: usize): f64 {
  let output = load<f64>(linearConst + (<usize>leaf << 3));
  const end = load<i32>(linearBegin + (<usize>leaf << 2), 4);
  for (let k = load<i32>(linearBegin + (<usize>leaf << 2)); k < end; k++) {
    const value = load<f64>(row + (<usize>load<i32>(linearFeature + (<usize>k << 2)) << 3));
    if (isNaN(value)) return load<f64>(recordAt(leaf));
    output += load<f64>(linearCoeff + (<usize>k << 3)) * value;
  }
  return output;
}

function treeOutput(tree: i32, row: usize): f64 {
  const leaf = leafFor(tree, row);
  if (load<i32>(treeFlags + (<usize>tree << 2)) & TREE_LINEAR) return linearOutput(leaf, row);
  return load<f64>(recordAt(leaf));
}

// ---------------------------------------------------------------------------------------- outputs

/**
 * Raw scores: out[row * numClass + class] = sum of the outputs of trees [treeBegin, treeEnd) of that
 * class, added in tree order (as LightGBM does, so sums are bit-identical). Rows are taken in blocks
 * so that each tree stays in cache while a block goes through it.
 */
export function predictRaw(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize): void {
  memory.fill(out, 0, <usize>numRows * numClass << 3);
  const rowBytes = <usize>rowStride << 3;
  for (let blockStart = 0; blockStart < numRows; blockStart += ROW_BLOCK) {
    const blockEnd = min(blockStart + ROW_BLOCK, numRows);
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const cls = tree % numClass;
      for (let i = blockStart; i < blockEnd; i++) {
        const sum = out + ((<usize>i * numClass + cls) << 3);
        store<f64>(sum, load<f64>(sum) + treeOutput(tree, rows + <usize>i * rowBytes));
      }
    }
  }
}

/** Leaf indices: out[row * (treeEnd - treeBegin) + k] = leaf number of tree treeBegin + k. */
export function predictLeaf(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize): void {
  const rowBytes = <usize>rowStride << 3;
  const width = treeEnd - treeBegin;
  for (let i = 0; i < numRows; i++) {
    const row = rows + <usize>i * rowBytes;
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const leaf = leafFor(tree, row);
      store<i32>(out + ((<usize>i * width + tree - treeBegin) << 2), load<i32>(nodeLeaves + (<usize>leaf << 2)));
    }
  }
}

// ---------------------------------------------------------------------------------------- TreeSHAP
// LightGBM's TreeSHAP (src/io/tree.cpp), with the same arithmetic in the same order. Path elements
// live in the scratch area the loader reserves: 32 bytes each (i32 feature, f64 zero fraction,
// f64 one fraction, f64 proportion weight), (maxDepth + 1) * (maxDepth + 2) / 2 of them.

let path: usize = 0;

@inline function pathFeature(i: i32): usize { return path + (<usize>i << 5); }
@inline function pathZero(i: i32): usize { return path + (<usize>i << 5) + 8; }
@inline function pathOne(i: i32): usize { return path + (<usize>i << 5) + 16; }
@inline function pathWeight(i: i32): usize { return path + (<usize>i << 5) + 24; }

function extendPath(start: i32, depth: i32, zeroFraction: f64, oneFraction: f64, feature: i32): void {
  const at = start + depth;
  store<i32>(pathFeature(at), feature);
  store<f64>(pathZero(at), zeroFraction);
  store<f64>(pathOne(at), oneFraction);
  store<f64>(pathWeight(at), depth == 0 ? 1.0 : 0.0);
  for (let i = depth - 1; i >= 0; i--) {
    const w = load<f64>(pathWeight(start + i));
    store<f64>(pathWeight(start + i + 1), load<f64>(pathWeight(start + i + 1)) + oneFraction * w * <f64>(i + 1) / <f64>(depth + 1));
    store<f64>(pathWeight(start + i), zeroFraction * w * <f64>(depth - i) / <f64>(depth + 1));
  }
}

function unwindPath(start: i32, depth: i32, pathIndex: i32): void {
  const oneFraction = load<f64>(pathOne(start + pathIndex));
  const zeroFraction = load<f64>(pathZero(start + pathIndex));
  let nextOnePortion = load<f64>(pathWeight(start + depth));
  for (let i = depth - 1; i >= 0; i--) {
    const at = pathWeight(start + i);
    if (oneFraction != 0) {
      const w = load<f64>(at);
      store<f64>(at, nextOnePortion * <f64>(depth + 1) / (<f64>(i + 1) * oneFraction));
      nextOnePortion = w - load<f64>(at) * zeroFraction * <f64>(depth - i) / <f64>(depth + 1);
    } else {
      store<f64>(at, load<f64>(at) * <f64>(depth + 1) / (zeroFraction * <f64>(depth - i)));
    }
  }
  for (let i = pathIndex; i < depth; i++) {
    store<i32>(pathFeature(start + i), load<i32>(pathFeature(start + i + 1)));
    store<f64>(pathZero(start + i), load<f64>(pathZero(start + i + 1)));
    store<f64>(pathOne(start + i), load<f64>(pathOne(start + i + 1)));
  }
}

function unwoundPathSum(start: i32, depth: i32, pathIndex: i32): f64 {
  const oneFraction = load<f64>(pathOne(start + pathIndex));
  const zeroFraction = load<f64>(pathZero(start + pathIndex));
  let nextOnePortion = load<f64>(pathWeight(start + depth));
  let total: f64 = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (oneFraction != 0) {
      const tmp = nextOnePortion * <f64>(depth + 1) / (<f64>(i + 1) * oneFraction);
      total += tmp;
      nextOnePortion = load<f64>(pathWeight(start + i)) - tmp * zeroFraction * (<f64>(depth - i) / <f64>(depth + 1));
    } else {
      total += (load<f64>(pathWeight(start + i)) / zeroFraction) / (<f64>(depth - i) / <f64>(depth + 1));
    }
  }
  return total;
}

function treeShap(
  row: usize, phi: usize, index: i32,
  parentStart: i32, depth: i32, parentZero: f64, parentOne: f64, parentFeature: i32,
): void {
  // this call's path starts right after the parent's and begins as a copy of it
  const start = parentStart + depth;
  if (depth > 0) memory.copy(pathFeature(start), pathFeature(parentStart), <usize>depth << 5);
  extendPath(start, depth, parentZero, parentOne, parentFeature);

  const meta = metaOf(index);
  if (meta & LEAF) {
    const value = load<f64>(recordAt(index));
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(start, depth, i);
      const slot = phi + (<usize>load<i32>(pathFeature(start + i)) << 3);
      store<f64>(slot, load<f64>(slot) + w * (load<f64>(pathOne(start + i)) - load<f64>(pathZero(start + i))) * value);
    }
    return;
  }

  const feature = <i32>(meta & FEATURE_MASK);
  const hot = childFor(index, row);
  const cold = hot == index + 1 ? rightOf(index) : index + 1;
  const w = load<f64>(nodeCounts + (<usize>index << 3));
  const hotZeroFraction = load<f64>(nodeCounts + (<usize>hot << 3)) / w;
  const coldZeroFraction = load<f64>(nodeCounts + (<usize>cold << 3)) / w;
  let incomingZero: f64 = 1;
  let incomingOne: f64 = 1;

  // a feature already on the path: undo that split so this node can redo it
  let pathIndex = 0;
  for (; pathIndex <= depth; pathIndex++) {
    if (load<i32>(pathFeature(start + pathIndex)) == feature) break;
  }
  if (pathIndex != depth + 1) {
    incomingZero = load<f64>(pathZero(start + pathIndex));
    incomingOne = load<f64>(pathOne(start + pathIndex));
    unwindPath(start, depth, pathIndex);
    depth -= 1;
  }
  treeShap(row, phi, hot, start, depth + 1, hotZeroFraction * incomingZero, incomingOne, feature);
  treeShap(row, phi, cold, start, depth + 1, coldZeroFraction * incomingZero, 0, feature);
}

/**
 * SHAP contributions: for each row and class a block of numFeatures + 1 values (the last is the
 * bias), summed over trees [treeBegin, treeEnd) in order. `scratch` holds the TreeSHAP paths.
 */
export function predictContrib(rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize, scratch: usize): void {
  const width = <usize>(numFeatures + 1);
  memory.fill(out, 0, <usize>numRows * numClass * width << 3);
  path = scratch;
  const rowBytes = <usize>rowStride << 3;
  for (let i = 0; i < numRows; i++) {
    const row = rows + <usize>i * rowBytes;
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const phi = out + ((<usize>i * numClass + tree % numClass) * width << 3);
      const bias = phi + (<usize>numFeatures << 3);
      store<f64>(bias, load<f64>(bias) + load<f64>(treeExpected + (<usize>tree << 3)));
      const root = load<i32>(treeRoots + (<usize>tree << 2));
      if ((metaOf(root) & LEAF) == 0) treeShap(row, phi, root, 0, 0, 1, 1, -1);
    }
  }
}
