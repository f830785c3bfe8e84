// LightGBM's TreeSHAP (src/io/tree.cpp: TreeSHAP, ExtendPath, UnwindPath, UnwoundPathSum) over the
// layout, for the JS engine. The arithmetic is LightGBM's, operation for operation: the grouping of
// each product and quotient decides the last bits, so do not "simplify" the expressions.
import * as layoutFlags from "../model/layout";
import type { ModelLayout } from "../model/layout";

// Module-local copies: under a per-file transpiler (tsx) an imported binding is a getter call per read.
const { FEATURE_MASK, LEAF } = layoutFlags;

/**
 * One buffer holds every path of the recursion: a call's path starts right after its parent's
 * (at parent start + depth) and begins as a copy of it, as LightGBM's unique_path_data does.
 */
export class TreeShap {
  private readonly feature: Int32Array;
  private readonly zeroFraction: Float64Array;
  private readonly oneFraction: Float64Array;
  private readonly weight: Float64Array;
  private phi: Float64Array = new Float64Array(0);
  private phiOffset = 0;
  private row = 0;

  constructor(
    private readonly layout: ModelLayout,
    private readonly goesLeft: (record: number, row: number) => boolean,
  ) {
    const size = ((layout.maxDepth + 1) * (layout.maxDepth + 2)) / 2;
    this.feature = new Int32Array(size);
    this.zeroFraction = new Float64Array(size);
    this.oneFraction = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Adds tree `tree`'s contributions for the row at `row` into out[offset .. offset + numFeatures]. */
  addTree(tree: number, row: number, out: Float64Array, offset: number): void {
    const { numFeatures, treeExpectedValue, treeStart, nodeWords } = this.layout;
    out[offset + numFeatures] += treeExpectedValue[tree];
    const root = treeStart[tree];
    if (nodeWords[4 * root + 2] & LEAF) return;
    this.phi = out;
    this.phiOffset = offset;
    this.row = row;
    this.recurse(root, 0, 0, 1, 1, -1);
  }

  private recurse(record: number, parentStart: number, depth: number, parentZero: number, parentOne: number, parentFeature: number): void {
    const start = parentStart + depth;
    if (depth > 0) {
      this.feature.copyWithin(start, parentStart, parentStart + depth);
      this.zeroFraction.copyWithin(start, parentStart, parentStart + depth);
      this.oneFraction.copyWithin(start, parentStart, parentStart + depth);
      this.weight.copyWithin(start, parentStart, parentStart + depth);
    }
    this.extend(start, depth, parentZero, parentOne, parentFeature);

    const { nodeWords, nodeValue, nodeCount } = this.layout;
    const meta = nodeWords[4 * record + 2];
    if (meta & LEAF) {
      const value = nodeValue[2 * record];
      for (let i = 1; i <= depth; i++) {
        const w = this.unwoundSum(start, depth, i);
        const at = start + i;
        this.phi[this.phiOffset + this.feature[at]] += w * (this.oneFraction[at] - this.zeroFraction[at]) * value;
      }
      return;
    }

    const splitFeature = meta & FEATURE_MASK;
    const right = nodeWords[4 * record + 3];
    const hot = this.goesLeft(record, this.row) ? record + 1 : right;
    const cold = hot === record + 1 ? right : record + 1;
    const w = nodeCount[record];
    const hotZeroFraction = nodeCount[hot] / w;
    const coldZeroFraction = nodeCount[cold] / w;
    let incomingZero = 1;
    let incomingOne = 1;

    // a feature already on the path: undo that split so this node can redo it
    let pathIndex = 0;
    for (; pathIndex <= depth; pathIndex++) {
      if (this.feature[start + pathIndex] === splitFeature) break;
    }
    if (pathIndex !== depth + 1) {
      incomingZero = this.zeroFraction[start + pathIndex];
      incomingOne = this.oneFraction[start + pathIndex];
      this.unwind(start, depth, pathIndex);
      depth -= 1;
    }
    this.recurse(hot, start, depth + 1, hotZeroFraction * incomingZero, incomingOne, splitFeature);
    this.recurse(cold, start, depth + 1, coldZeroFraction * incomingZero, 0, splitFeature);
  }

  private extend(start: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    const weight = this.weight;
    this.feature[start + depth] = feature;
    this.zeroFraction[start + depth] = zeroFraction;
    this.oneFraction[start + depth] = oneFraction;
    weight[start + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[start + i + 1] += (oneFraction * weight[start + i] * (i + 1)) / (depth + 1);
      weight[start + i] = (zeroFraction * weight[start + i] * (depth - i)) / (depth + 1);
    }
  }

  private unwind(start: number, depth: number, pathIndex: number): void {
    const weight = this.weight;
    const oneFraction = this.oneFraction[start + pathIndex];
    const zeroFraction = this.zeroFraction[start + pathIndex];
    let nextOnePortion = weight[start + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = weight[start + i];
        weight[start + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - (weight[start + i] * zeroFraction * (depth - i)) / (depth + 1);
      } else {
        weight[start + i] = (weight[start + i] * (depth + 1)) / (zeroFraction * (depth - i));
      }
    }
    for (let i = pathIndex; i < depth; i++) {
      this.feature[start + i] = this.feature[start + i + 1];
      this.zeroFraction[start + i] = this.zeroFraction[start + i + 1];
      this.oneFraction[start + i] = this.oneFraction[start + i + 1];
    }
  }

  private unwoundSum(start: number, depth: number, pathIndex: number): number {
    const weight = this.weight;
    const oneFraction = this.oneFraction[start + pathIndex];
    const zeroFraction = this.zeroFraction[start + pathIndex];
    let nextOnePortion = weight[start + depth];
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        total += tmp;
        nextOnePortion = weight[start + i] - tmp * zeroFraction * ((depth - i) / (depth + 1));
      } else {
        total += weight[start + i] / zeroFraction / ((depth - i) / (depth + 1));
      }
    }
    return total;
  }
}
