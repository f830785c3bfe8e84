// SHAP feature contributions: LightGBM's TreeSHAP (src/io/tree.cpp: TreeSHAP, ExtendPath, UnwindPath,
// UnwoundPathSum), with the same arithmetic in the same order: the grouping of each product and
// quotient decides the last bits, so do not "simplify" the expressions.
//
// Path elements live in the scratch area the loader reserves: 32 bytes each (i32 feature, f64 zero
// fraction, f64 one fraction, f64 proportion weight), (maxDepth + 1) * (maxDepth + 2) / 2 of them. A
// call's path starts right after its parent's and begins as a copy of it.
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
  return load<f64>(nodeCounts + (<usize>indexOf(node) << 3));
}

/**
 * Copies `count` path elements (a call's path begins as its parent's). Short copies are the common
 * case, and memory.copy costs a call into the engine's memmove: two vector moves per element.
 */
@inline function copyPath(to: i32, from: i32, count: i32): void {
  for (let i = 0; i < count; i++) {
    const source = pathFeature(from + i);
    const target = pathFeature(to + i);
    v128.store(target, v128.load(source));
    v128.store(target, v128.load(source, 16), 16);
  }
}

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

const SUM_LANES: i32 = 4;
/** Where unwoundPathSums leaves its results: one total per lane. */
const unwoundTotals: usize = memory.data(SUM_LANES << 3, 16);

/**
 * LightGBM's UnwoundPathSum for path indices first .. first + 3 (indices past depth repeat the last
 * one; their totals are ignored). Four independent chains of the same arithmetic, interleaved so
 * that one chain's divisions overlap another's: a leaf needs one sum per path element.
 */
function unwoundPathSums(start: i32, depth: i32, first: i32): void {
  const i0 = start + first, i1 = start + min(first + 1, depth), i2 = start + min(first + 2, depth), i3 = start + min(first + 3, depth);
  const one0 = load<f64>(pathOne(i0)), one1 = load<f64>(pathOne(i1)), one2 = load<f64>(pathOne(i2)), one3 = load<f64>(pathOne(i3));
  const zero0 = load<f64>(pathZero(i0)), zero1 = load<f64>(pathZero(i1)), zero2 = load<f64>(pathZero(i2)), zero3 = load<f64>(pathZero(i3));
  const last = load<f64>(pathWeight(start + depth));
  let next0 = last, next1 = last, next2 = last, next3 = last;
  let total0: f64 = 0, total1: f64 = 0, total2: f64 = 0, total3: f64 = 0;
  const d1 = <f64>(depth + 1);
  for (let i = depth - 1; i >= 0; i--) {
    const w = load<f64>(pathWeight(start + i));
    const up = <f64>(i + 1);
    const ratio = <f64>(depth - i) / d1;
    // per lane, LightGBM's loop body: the branch is the same on every iteration
    if (one0 != 0) { const tmp = next0 * d1 / (up * one0); total0 += tmp; next0 = w - tmp * zero0 * ratio; } else total0 += (w / zero0) / ratio;
    if (one1 != 0) { const tmp = next1 * d1 / (up * one1); total1 += tmp; next1 = w - tmp * zero1 * ratio; } else total1 += (w / zero1) / ratio;
    if (one2 != 0) { const tmp = next2 * d1 / (up * one2); total2 += tmp; next2 = w - tmp * zero2 * ratio; } else total2 += (w / zero2) / ratio;
    if (one3 != 0) { const tmp = next3 * d1 / (up * one3); total3 += tmp; next3 = w - tmp * zero3 * ratio; } else total3 += (w / zero3) / ratio;
  }
  store<f64>(unwoundTotals, total0, 0);
  store<f64>(unwoundTotals, total1, 8);
  store<f64>(unwoundTotals, total2, 16);
  store<f64>(unwoundTotals, total3, 24);
}

function treeShap(
  row: usize, phi: usize, node: usize,
  parentStart: i32, depth: i32, parentZero: f64, parentOne: f64, parentFeature: i32,
): void {
  const start = parentStart + depth;
  copyPath(start, parentStart, depth);
  extendPath(start, depth, parentZero, parentOne, parentFeature);

  const meta = load<u32>(node, 8);
  if (meta & LEAF) {
    const value = load<f64>(node);
    for (let first = 1; first <= depth; first += SUM_LANES) {
      unwoundPathSums(start, depth, first);
      for (let i = first; i <= min(first + SUM_LANES - 1, depth); i++) {
        const w = load<f64>(unwoundTotals + (<usize>(i - first) << 3));
        const slot = phi + (<usize>load<i32>(pathFeature(start + i)) << 3);
        store<f64>(slot, load<f64>(slot) + w * (load<f64>(pathOne(start + i)) - load<f64>(pathZero(start + i))) * value);
      }
    }
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
      const root = rootOf(tree);
      if (!isLeaf(root)) treeShap(row, phi, root, 0, 0, 1, 1, -1);
    }
  }
}
