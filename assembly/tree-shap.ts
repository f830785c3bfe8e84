// SHAP feature contributions: LightGBM's TreeSHAP (src/io/tree.cpp: TreeSHAP, ExtendPath, UnwindPath,
// UnwoundPathSum), with the same arithmetic in the same order: the grouping of each product and
// quotient decides the last bits, so do not "simplify" the expressions.
//
// Path elements live in the scratch area the loader reserves (contribScratchBytes): 32 bytes each
// (i32 feature, f64 zero fraction, f64 one fraction, f64 proportion weight), (maxDepth + 1) *
// (maxDepth + 2) / 2 of them. A call's path starts right after its parent's and begins as a copy of
// it. After the paths: the leaves' lanes, and a table of the ratios UnwoundPathSum divides by.
import { goesLeft } from "./decisions";
import {
  FEATURE_MASK, indexOf, isLeaf, LEAF, nodeCounts, numClass, numFeatures, RECORD_BYTES, rootOf,
  rowStride, treeExpected,
} from "./model";

let path: usize = 0;

@inline function pathFeature(i: i32): usize { return path + (<usize>i << 5); }
@inline function pathZero(i: i32): usize { return path + (<usize>i << 5) + 8; }
@inline function pathOne(i: i32): usize { return path + (<usize>i << 5) + 16; }
@inline function pathWeight(i: i32): usize { return path + (<usize>i << 5) + 24; }

@inline function countOf(node: usize): f64 {
  return <f64>load<i32>(nodeCounts + (<usize>indexOf(node) << 2));
}

/**
 * LightGBM's copy of the parent's path followed by ExtendPath, in one pass: element i of the path at
 * `start` is the parent's element i (from `parentStart`) with its weight updated, and element `depth`
 * is the new one.
 */
function extendPath(start: i32, parentStart: i32, depth: i32, zeroFraction: f64, oneFraction: f64, feature: i32): void {
  const at = start + depth;
  store<i32>(pathFeature(at), feature);
  store<f64>(pathZero(at), zeroFraction);
  store<f64>(pathOne(at), oneFraction);
  // LightGBM's two updates of a step, one f64x2 lane each (IEEE per lane, so bit for bit):
  //   weight[i + 1] += one * w * (i + 1) / (depth + 1);  weight[i] = zero * w * (depth - i) / (depth + 1)
  // w is the parent's weight[i]; weight[i + 1] is the value the step before set (`set`, kept in a
  // register rather than reread).
  const fractions = f64x2.replace_lane(f64x2.splat(oneFraction), 1, zeroFraction);
  const d1 = f64x2.splat(<f64>(depth + 1));
  let counts = f64x2.replace_lane(f64x2.splat(<f64>depth), 1, 1.0); // (i + 1, depth - i)
  const step = f64x2.replace_lane(f64x2.splat(-1.0), 1, 1.0);
  let set: f64 = depth == 0 ? 1.0 : 0.0;
  for (let i = depth - 1; i >= 0; i--) {
    const source = pathFeature(parentStart + i);
    const target = pathFeature(start + i);
    v128.store(target, v128.load(source)); // feature and zero fraction
    store<f64>(target, load<f64>(source, 16), 16); // one fraction
    const w = v128.load64_splat(source, 24);
    const shares = f64x2.div(f64x2.mul(f64x2.mul(fractions, w), counts), d1);
    store<f64>(pathWeight(start + i + 1), set + f64x2.extract_lane(shares, 0));
    set = f64x2.extract_lane(shares, 1);
    counts = f64x2.add(counts, step);
  }
  store<f64>(pathWeight(start), set);
}

function unwindPath(start: i32, depth: i32, pathIndex: i32): void {
  const oneFraction = load<f64>(pathOne(start + pathIndex));
  const zeroFraction = load<f64>(pathZero(start + pathIndex));
  let nextOnePortion = load<f64>(pathWeight(start + depth));
  for (let i = depth - 1; i >= 0; i--) {
    const at = pathWeight(start + i);
    if (oneFraction != 0) {
      // (the new weight stays in a register: read back, it would wait for its store)
      const w = load<f64>(at);
      const weight = nextOnePortion * <f64>(depth + 1) / (<f64>(i + 1) * oneFraction);
      store<f64>(at, weight);
      nextOnePortion = w - weight * zeroFraction * <f64>(depth - i) / <f64>(depth + 1);
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

// A leaf adds one share per path element, each from LightGBM's UnwoundPathSum: a loop over the path
// with one or two divisions a step, most of TreeSHAP's time. The sums run two elements to an f64x2
// vector (IEEE arithmetic per lane, so each lane is LightGBM's sum bit for bit), which doubles the
// divisions a cycle. An element's kind decides its loop: with a one fraction, a chain of divisions
// through `next`; without, independent divisions. So the lanes hold the elements of each kind apart:
// those with a one fraction from lane 0 up, the others from the top lane down.

/** Per leaf: the lanes' one and zero fractions, path elements, `next` portions and sums. */
let laneOne: usize = 0;
let laneZero: usize = 0;
let laneElement: usize = 0;
let laneNext: usize = 0;
let laneSum: usize = 0;
/** Lanes per array: room for maxDepth elements, a padding lane per kind, and even. */
let laneCount: i32 = 0;
/** ratioTable + 8 * (d (d - 1) / 2 + i): (d - i) / (d + 1), for paths of depth d and i < d. */
let ratioTable: usize = 0;

/**
 * Bytes of predictContrib's scratch for trees of at most `maxDepth` edges. A double: for very deep
 * trees it passes 2^32, and the loader's memory.grow must refuse it rather than see it wrap.
 */
export function contribScratchBytes(maxDepth: i32): f64 {
  const depth = <f64>maxDepth;
  return pathBytes<f64>(depth) + <f64>(5 * lanesFor(maxDepth) * 8) + ratioTableBytes<f64>(depth);
}

/** Sizes in T: f64 for the request, usize (u32) for offsets once memory holds the scratch. */
@inline function pathBytes<T>(maxDepth: T): T {
  return (maxDepth + <T>1) * (maxDepth + <T>2) / <T>2 * <T>32;
}

@inline function ratioTableBytes<T>(maxDepth: T): T {
  return (maxDepth + <T>1) * maxDepth / <T>2 * <T>8;
}

function lanesFor(maxDepth: i32): i32 {
  return (maxDepth + 4) & ~1;
}

function fillRatioTable(maxDepth: i32): void {
  for (let d = 1; d <= maxDepth; d++) {
    const row = ratioTable + (<usize>(d * (d - 1) / 2) << 3);
    for (let i = 0; i < d; i++) store<f64>(row + (<usize>i << 3), <f64>(d - i) / <f64>(d + 1));
  }
}

@inline function setLane(lane: i32, one: f64, zero: f64, element: i32): void {
  store<f64>(laneOne + (<usize>lane << 3), one);
  store<f64>(laneZero + (<usize>lane << 3), zero);
  store<i32>(laneElement + (<usize>lane << 2), element);
}

@inline function copyLane(to: i32, from: i32): void {
  setLane(to, load<f64>(laneOne + (<usize>from << 3)), load<f64>(laneZero + (<usize>from << 3)), load<i32>(laneElement + (<usize>from << 2)));
}

/**
 * Puts path elements 1..depth into lanes, without branching on their kind (a coin toss): each
 * element is written to both groups' next lane and only the counters move. A group with an odd
 * count repeats its last element. Returns the count with a one fraction; depth minus it have none.
 */
function fillLanes(start: i32, depth: i32): i32 {
  let ones = 0;
  let top = laneCount; // the elements without a one fraction are lanes top .. laneCount - 1
  for (let i = 1; i <= depth; i++) {
    const element = start + i;
    const one = load<f64>(pathOne(element));
    const zero = load<f64>(pathZero(element));
    setLane(ones, one, zero, element);
    setLane(top - 1, one, zero, element);
    const withOne = <i32>(one != 0);
    ones += withOne;
    top -= 1 - withOne;
  }
  copyLane(ones, max(ones - 1, 0));
  copyLane(top - 1, min(top, laneCount - 1));
  return ones;
}

/**
 * UnwoundPathSum of every lane in use into laneSum: `oneVectors` vectors from lane 0, then
 * `zeroVectors` ending at the last lane.
 */
function unwoundPathSums(start: i32, depth: i32, oneVectors: i32, zeroVectors: i32): void {
  const oneEnd = <usize>oneVectors << 4;
  const zeroBegin = <usize>(laneCount - 2 * zeroVectors) << 3;
  const zeroEnd = <usize>laneCount << 3;
  const last = v128.load64_splat(pathWeight(start + depth));
  const none = f64x2.splat(0);
  for (let at: usize = 0; at < oneEnd; at += 16) {
    v128.store(laneNext + at, last);
    v128.store(laneSum + at, none);
  }
  for (let at = zeroBegin; at < zeroEnd; at += 16) v128.store(laneSum + at, none);
  const ratios = ratioTable + (<usize>(depth * (depth - 1) / 2) << 3);
  const d1 = f64x2.splat(<f64>(depth + 1));
  for (let i = depth - 1; i >= 0; i--) {
    const w = v128.load64_splat(pathWeight(start + i));
    const up = f64x2.splat(<f64>(i + 1));
    const ratio = v128.load64_splat(ratios + (<usize>i << 3));
    // with a one fraction: tmp = next * (d + 1) / ((i + 1) * one); sum += tmp; next = w - tmp * zero * ratio
    for (let at: usize = 0; at < oneEnd; at += 16) {
      const tmp = f64x2.div(f64x2.mul(v128.load(laneNext + at), d1), f64x2.mul(up, v128.load(laneOne + at)));
      v128.store(laneSum + at, f64x2.add(v128.load(laneSum + at), tmp));
      v128.store(laneNext + at, f64x2.sub(w, f64x2.mul(f64x2.mul(tmp, v128.load(laneZero + at)), ratio)));
    }
    // without: sum += w / zero / ratio
    for (let at = zeroBegin; at < zeroEnd; at += 16) {
      v128.store(laneSum + at, f64x2.add(v128.load(laneSum + at), f64x2.div(f64x2.div(w, v128.load(laneZero + at)), ratio)));
    }
  }
}

/** A leaf's shares: phi[feature] += UnwoundPathSum * (one - zero) * value for path elements 1..depth. */
function addLeafShares(start: i32, depth: i32, phi: usize, value: f64): void {
  const ones = fillLanes(start, depth);
  const zeros = depth - ones;
  unwoundPathSums(start, depth, (ones + 1) >> 1, (zeros + 1) >> 1);
  // each feature is on the path once, so each element adds to its own phi slot
  addShares(0, ones, phi, value);
  addShares(laneCount - zeros, laneCount, phi, value);
}

function addShares(firstLane: i32, endLane: i32, phi: usize, value: f64): void {
  for (let lane = firstLane; lane < endLane; lane++) {
    const element = load<i32>(laneElement + (<usize>lane << 2));
    const w = load<f64>(laneSum + (<usize>lane << 3));
    const slot = phi + (<usize>load<i32>(pathFeature(element)) << 3);
    store<f64>(slot, load<f64>(slot) + w * (load<f64>(pathOne(element)) - load<f64>(pathZero(element))) * value);
  }
}

function treeShap(
  row: usize, phi: usize, node: usize,
  parentStart: i32, depth: i32, parentZero: f64, parentOne: f64, parentFeature: i32,
): void {
  const start = parentStart + depth;
  extendPath(start, parentStart, depth, parentZero, parentOne, parentFeature);

  const meta = load<u32>(node, 8);
  if (meta & LEAF) {
    addLeafShares(start, depth, phi, load<f64>(node));
    return;
  }

  const feature = <i32>(meta & FEATURE_MASK);
  const left = node + RECORD_BYTES;
  const right = <usize>load<u32>(node, 12);
  const hot = goesLeft(node, row) ? left : right;
  const cold = hot == left ? right : left;
  const w = countOf(node);
  const hotZeroFraction = countOf(hot) / w;
  const coldZeroFraction = countOf(cold) / w;
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
 * bias), summed over trees [treeBegin, treeEnd) in order. `scratch` holds contribScratchBytes(maxDepth)
 * bytes, for the paths and the leaves' sums; maxDepth bounds the trees' depths.
 */
export function predictContrib(
  rows: usize, numRows: i32, treeBegin: i32, treeEnd: i32, out: usize, scratch: usize, maxDepth: i32,
): void {
  const width = <usize>(numFeatures + 1);
  memory.fill(out, 0, <usize>numRows * numClass * width << 3);
  path = scratch;
  // the paths, the lanes (arrays of an even number of f64s keep the vectors 16-byte aligned), the ratios
  laneCount = lanesFor(maxDepth);
  const laneBytes = <usize>laneCount << 3;
  laneOne = path + pathBytes<usize>(maxDepth);
  laneZero = laneOne + laneBytes;
  laneElement = laneZero + laneBytes;
  laneNext = laneElement + laneBytes;
  laneSum = laneNext + laneBytes;
  ratioTable = laneSum + laneBytes;
  fillRatioTable(maxDepth);
  const rowBytes = <usize>rowStride << 3;
  for (let i = 0; i < numRows; i++) {
    const row = rows + <usize>i * rowBytes;
    for (let tree = treeBegin; tree < treeEnd; tree++) {
      const phi = out + ((<usize>i * numClass + tree % numClass) * width << 3);
      const bias = phi + (<usize>numFeatures << 3);
      store<f64>(bias, load<f64>(bias) + load<f64>(treeExpected + (<usize>tree << 3)));
      const root = rootOf(tree);
      if (!isLeaf(root)) treeShap(row, phi, root, 0, 0, 1, 1, -1);
    }
  }
}
