// LightGBM's TreeSHAP (src/io/tree.cpp: TreeSHAP, ExtendPath, UnwindPath, UnwoundPathSum) over the
// layout, for the JS engine. The arithmetic is LightGBM's, operation for operation: the grouping of
// each product and quotient decides the last bits, so do not "simplify" the expressions.
//
// What differs from LightGBM is only how data is held and in which order independent work is done:
// - the decision at each split arrives precomputed in `hotLeft` (filled by the engine);
// - a path is not copied whole for each call (see recurse), and ExtendPath reads the parent's
//   weights where they are instead of from a copy;
// - UnwoundPathSum runs for two path elements at once (addShares);
// - path elements are four typed arrays, one per field, and hot values live in locals.
import * as layoutFlags from "../model/layout";
import type { ModelLayout } from "../model/layout";

// Module-local copies: under a per-file transpiler (tsx) an imported binding is a getter call per read.
const { FEATURE_MASK, LEAF } = layoutFlags;

/**
 * One buffer per field holds every path of the recursion: a call's weights start right after its
 * parent's path (at parent start + depth), as in LightGBM's unique_path_data.
 */
export class TreeShap {
  /**
   * Per record: 1 if the row being explained goes left at that split, else 0 (Tree::Decision). The
   * caller fills it for the records of a tree before addTree.
   */
  readonly hotLeft: Uint8Array;
  // The path elements (LightGBM's PathElement), one field per array. Weights are where LightGBM keeps
  // them; the other fields are shared along the recursion (see recurse).
  private readonly feature: Int32Array;
  private readonly zeroFraction: Float64Array;
  private readonly oneFraction: Float64Array;
  private readonly weight: Float64Array;
  // the layout's arrays
  private readonly nodeWords: Int32Array;
  private readonly nodeValue: Float64Array;
  private readonly nodeCount: Int32Array;
  // where addTree adds: phi[phiOffset + feature]
  private phi: Float64Array = new Float64Array(0);
  private phiOffset = 0;

  constructor(private readonly layout: ModelLayout) {
    const size = ((layout.maxDepth + 1) * (layout.maxDepth + 2)) / 2;
    this.hotLeft = new Uint8Array(layout.numNodes);
    this.feature = new Int32Array(size);
    this.zeroFraction = new Float64Array(size);
    this.oneFraction = new Float64Array(size);
    this.weight = new Float64Array(size);
    this.nodeWords = layout.nodeWords;
    this.nodeValue = layout.nodeValue;
    this.nodeCount = layout.nodeCount;
  }

  /** Adds tree `tree`'s contributions (for the row hotLeft describes) into out[offset .. offset + numFeatures]. */
  addTree(tree: number, out: Float64Array, offset: number): void {
    const { numFeatures, treeExpectedValue, treeStart } = this.layout;
    out[offset + numFeatures] += treeExpectedValue[tree];
    const root = treeStart[tree];
    if (this.nodeWords[4 * root + 2] & LEAF) return;
    this.phi = out;
    this.phiOffset = offset;
    // the first element of every path: no feature, fractions 1
    this.feature[0] = -1;
    this.zeroFraction[0] = 1;
    this.oneFraction[0] = 1;
    this.recurse(root, 0, 0, 0);
  }

  /**
   * Tree::TreeSHAP at `record`, whose path has elements 0 .. depth. Element `depth`, for the split
   * that led here, is written by the caller (ExtendPath's first half); this call adds its weight.
   *
   * Where paths live: LightGBM gives each call a full copy of its parent's path, at
   * start = parentStart + depth. Here only the weights are copied so (extend writes them there from
   * the parent's). A path's other fields differ from its parent's only at its end, unless it unwinds,
   * so they are shared: element i is at fieldsAt + i, and a child's element goes right after its
   * parent's path. A node that must unwind (which shifts elements) first copies its elements to its
   * own place, start, past every element its ancestors use (only its own last element may sit at
   * start); its descendants then share that copy.
   */
  private recurse(record: number, parentStart: number, depth: number, fieldsAt: number): void {
    const { feature, zeroFraction, oneFraction, nodeWords, nodeCount } = this;
    const start = parentStart + depth;
    this.extend(parentStart, start, fieldsAt, depth);

    const meta = nodeWords[4 * record + 2];
    if (meta & LEAF) {
      this.addLeaf(start, fieldsAt, depth, this.nodeValue[2 * record]);
      return;
    }

    const splitFeature = meta & FEATURE_MASK;
    const right = nodeWords[4 * record + 3];
    const hot = this.hotLeft[record] ? record + 1 : right;
    const cold = hot === record + 1 ? right : record + 1;
    const w = nodeCount[record];
    const hotZeroFraction = nodeCount[hot] / w;
    const coldZeroFraction = nodeCount[cold] / w;
    let incomingZero = 1;
    let incomingOne = 1;

    // a feature already on the path: undo that split so this node can redo it
    let pathIndex = 0;
    for (; pathIndex <= depth; pathIndex++) {
      if (feature[fieldsAt + pathIndex] === splitFeature) break;
    }
    if (pathIndex !== depth + 1) {
      incomingZero = zeroFraction[fieldsAt + pathIndex];
      incomingOne = oneFraction[fieldsAt + pathIndex];
      // own copy of the elements, from the last one down (the last one may sit at start)
      for (let i = depth; i >= 0; i--) {
        feature[start + i] = feature[fieldsAt + i];
        zeroFraction[start + i] = zeroFraction[fieldsAt + i];
        oneFraction[start + i] = oneFraction[fieldsAt + i];
      }
      fieldsAt = start;
      this.unwind(start, depth, pathIndex);
      depth -= 1;
    }
    const next = fieldsAt + depth + 1;
    feature[next] = splitFeature;
    zeroFraction[next] = hotZeroFraction * incomingZero;
    oneFraction[next] = incomingOne;
    this.recurse(hot, start, depth + 1, fieldsAt);
    feature[next] = splitFeature;
    zeroFraction[next] = coldZeroFraction * incomingZero;
    oneFraction[next] = 0;
    this.recurse(cold, start, depth + 1, fieldsAt);
  }

  /**
   * A leaf's share: for each element i > 0 of its path, phi[feature] += UnwoundPathSum(i) * (one - zero)
   * * leaf value. Elements go two at a time (addShares).
   */
  private addLeaf(start: number, fieldsAt: number, depth: number, value: number): void {
    for (let i = 1; i <= depth; i += 2) this.addShares(start, fieldsAt, depth, i, i < depth ? i + 1 : i, value);
  }

  /** ExtendPath's weights: read from the parent's path at parentStart, written at start. */
  private extend(parentStart: number, start: number, fieldsAt: number, depth: number): void {
    const weight = this.weight;
    const zeroFraction = this.zeroFraction[fieldsAt + depth];
    const oneFraction = this.oneFraction[fieldsAt + depth];
    weight[start + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      weight[start + i + 1] += (oneFraction * weight[parentStart + i] * (i + 1)) / (depth + 1);
      weight[start + i] = (zeroFraction * weight[parentStart + i] * (depth - i)) / (depth + 1);
    }
  }

  private unwind(start: number, depth: number, pathIndex: number): void {
    const { weight, feature, zeroFraction: zero, oneFraction: one } = this;
    const oneFraction = one[start + pathIndex];
    const zeroFraction = zero[start + pathIndex];
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
      feature[start + i] = feature[start + i + 1];
      zero[start + i] = zero[start + i + 1];
      one[start + i] = one[start + i + 1];
    }
  }

  /**
   * addLeaf for path elements a and b (b may be a: then just a). Their UnwoundPathSums are computed
   * side by side: each is LightGBM's sequence of operations, but two independent chains keep the CPU
   * busy while one waits on a division.
   */
  private addShares(start: number, fieldsAt: number, depth: number, a: number, b: number, value: number): void {
    const { weight, feature, phi, phiOffset } = this;
    const oneA = this.oneFraction[fieldsAt + a];
    const zeroA = this.zeroFraction[fieldsAt + a];
    const oneB = this.oneFraction[fieldsAt + b];
    const zeroB = this.zeroFraction[fieldsAt + b];
    let nextOnePortionA = weight[start + depth];
    let nextOnePortionB = nextOnePortionA;
    let totalA = 0;
    let totalB = 0;
    // UnwoundPathSum's loop, for a and b side by side
    for (let i = depth - 1; i >= 0; i--) {
      const w = weight[start + i];
      const stepRatio = (depth - i) / (depth + 1);
      if (oneA !== 0) {
        const tmp = (nextOnePortionA * (depth + 1)) / ((i + 1) * oneA);
        totalA += tmp;
        nextOnePortionA = w - tmp * zeroA * stepRatio;
      } else {
        totalA += w / zeroA / stepRatio;
      }
      if (oneB !== 0) {
        const tmp = (nextOnePortionB * (depth + 1)) / ((i + 1) * oneB);
        totalB += tmp;
        nextOnePortionB = w - tmp * zeroB * stepRatio;
      } else {
        totalB += w / zeroB / stepRatio;
      }
    }
    phi[phiOffset + feature[fieldsAt + a]] += totalA * (oneA - zeroA) * value;
    if (b !== a) phi[phiOffset + feature[fieldsAt + b]] += totalB * (oneB - zeroB) * value;
  }
}
