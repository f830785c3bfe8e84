// A tree block's per-node lists (split_feature ... internal_count), decoded when the layout is built,
// into arrays reused from tree to tree. They hold nearly all of a model's numbers: decoded straight
// into small arrays that stay in cache, a big model needs no per-tree arrays and no memory of its
// own for them (fresh memory costs a page fault per 4 KB on first touch).
import { BlockValues, type ModelFile, type TreeBlock } from "./parse-model";

const INT32_MAX = 2147483647;

/** One tree's node lists. Splits are numbered 0..numLeaves-2, leaves 0..numLeaves-1; longer arrays have junk past that. */
export interface TreeNodes {
  splitFeature: Int32Array;
  threshold: Float64Array;
  decisionType: Int32Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  leafValue: Float64Array;
  /** Training rows per leaf / split (TreeSHAP covers); null when the tree omits them. */
  leafCount: Int32Array | null;
  internalCount: Int32Array | null;
}

/** Decodes trees' node lists from the model text; each read() reuses the arrays of the last one. */
export class TreeNodeReader {
  private readonly nodes: TreeNodes = {
    splitFeature: new Int32Array(0),
    threshold: new Float64Array(0),
    decisionType: new Int32Array(0),
    leftChild: new Int32Array(0),
    rightChild: new Int32Array(0),
    leafValue: new Float64Array(0),
    leafCount: new Int32Array(0),
    internalCount: new Int32Array(0),
  };
  private leafCounts = new Int32Array(0);
  private internalCounts = new Int32Array(0);
  private readonly numFeatures: number;

  constructor(
    private readonly text: string,
    file: ModelFile,
  ) {
    this.numFeatures = file.maxFeatureIdx + 1;
  }

  /** The node lists of `tree`, valid until the next read(). Throws ModelFormatError naming the line. */
  read(tree: TreeBlock): TreeNodes {
    const block = new BlockValues(this.text, tree.index, tree.line, tree.keys);
    const { numLeaves } = tree;
    const numSplits = numLeaves - 1;
    this.reserve(numLeaves);
    const nodes = this.nodes;
    block.doublesInto(nodes.leafValue, "leaf_value", numLeaves, "num_leaves");
    // A single leaf needs no split lists (LightGBM skips them), except in linear trees.
    if (numLeaves > 1 || tree.linear !== null) {
      const what = "num_leaves - 1";
      block.integersInto(nodes.splitFeature, "split_feature", 0, this.numFeatures - 1, numSplits, what);
      block.doublesInto(nodes.threshold, "threshold", numSplits, what);
      // missing decision types mean numeric splits, missing type None, default right
      if (block.has("decision_type")) block.integersInto(nodes.decisionType, "decision_type", 0, 15, numSplits, what);
      else nodes.decisionType.fill(0, 0, numSplits);
      block.integersInto(nodes.leftChild, "left_child", -INT32_MAX, INT32_MAX, numSplits, what);
      block.integersInto(nodes.rightChild, "right_child", -INT32_MAX, INT32_MAX, numSplits, what);
    }
    nodes.leafCount = block.has("leaf_count") ? this.leafCounts : null;
    if (nodes.leafCount) block.integersInto(nodes.leafCount, "leaf_count", 0, INT32_MAX, numLeaves, "num_leaves");
    nodes.internalCount = numLeaves === 1 || block.has("internal_count") ? this.internalCounts : null;
    if (numLeaves > 1 && nodes.internalCount) {
      block.integersInto(nodes.internalCount, "internal_count", 0, INT32_MAX, numSplits, "num_leaves - 1");
    }
    return nodes;
  }

  /** Grows the arrays to `numLeaves` elements (parseModel checked that the tree's lines can hold that many values). */
  private reserve(numLeaves: number): void {
    if (this.leafCounts.length >= numLeaves) return;
    const nodes = this.nodes;
    const size = Math.max(numLeaves, 2 * this.leafCounts.length);
    nodes.splitFeature = new Int32Array(size);
    nodes.threshold = new Float64Array(size);
    nodes.decisionType = new Int32Array(size);
    nodes.leftChild = new Int32Array(size);
    nodes.rightChild = new Int32Array(size);
    nodes.leafValue = new Float64Array(size);
    this.leafCounts = new Int32Array(size);
    this.internalCounts = new Int32Array(size);
  }
}
