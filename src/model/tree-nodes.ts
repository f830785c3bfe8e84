// A tree block's per-node lists (split_feature ... internal_count), decoded when the layout is built,
// into arrays reused from tree to tree. They hold nearly all of a model's numbers: decoded straight
// into small arrays that stay in cache, a big model needs no per-tree arrays and no memory of its
// own for them (fresh memory costs a page fault per 4 KB on first touch).
import { keyId, keyName, type ModelFile, type TreeBlock, wrongListLength } from "./parse-model";
import { type ListSource, readDoubleList, readIntegerList } from "./tokens";

const INT32_MAX = 2147483647;
const SPLIT_FEATURE = keyId("split_feature");
const THRESHOLD = keyId("threshold");
const DECISION_TYPE = keyId("decision_type");
const LEFT_CHILD = keyId("left_child");
const RIGHT_CHILD = keyId("right_child");
const LEAF_VALUE = keyId("leaf_value");
const LEAF_COUNT = keyId("leaf_count");
const INTERNAL_COUNT = keyId("internal_count");

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
  /** The list being read, for error messages: one object, updated per list (no allocation per list). */
  private readonly source = new NodeListSource();
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
    // parseModel checked that the lists read here are there (and have room for their values)
    const { numLeaves, keys } = tree;
    const numSplits = numLeaves - 1;
    this.reserve(numLeaves);
    const nodes = this.nodes;
    this.source.tree = tree;
    this.doubles(LEAF_VALUE, nodes.leafValue, numLeaves, "num_leaves");
    // A single leaf needs no split lists (LightGBM skips them), except in linear trees.
    if (numLeaves > 1 || tree.linear !== null) {
      const what = "num_leaves - 1";
      this.integers(SPLIT_FEATURE, nodes.splitFeature, 0, this.numFeatures - 1, numSplits, what);
      this.doubles(THRESHOLD, nodes.threshold, numSplits, what);
      // missing decision types mean numeric splits, missing type None, default right
      if (keys.hasId(DECISION_TYPE)) this.integers(DECISION_TYPE, nodes.decisionType, 0, 15, numSplits, what);
      else nodes.decisionType.fill(0, 0, numSplits);
      this.integers(LEFT_CHILD, nodes.leftChild, -INT32_MAX, INT32_MAX, numSplits, what);
      this.integers(RIGHT_CHILD, nodes.rightChild, -INT32_MAX, INT32_MAX, numSplits, what);
    }
    nodes.leafCount = keys.hasId(LEAF_COUNT) ? this.leafCounts : null;
    if (nodes.leafCount) this.integers(LEAF_COUNT, nodes.leafCount, 0, INT32_MAX, numLeaves, "num_leaves");
    nodes.internalCount = numLeaves === 1 || keys.hasId(INTERNAL_COUNT) ? this.internalCounts : null;
    if (numLeaves > 1 && nodes.internalCount) {
      this.integers(INTERNAL_COUNT, nodes.internalCount, 0, INT32_MAX, numSplits, "num_leaves - 1");
    }
    return nodes;
  }

  private integers(id: number, out: Int32Array, min: number, max: number, expected: number, what: string): void {
    const { keys } = this.source.tree!;
    this.source.id = id;
    this.checkLength(readIntegerList(out, this.text, keys.start(id), keys.end(id), this.source, min, max), expected, what);
  }

  private doubles(id: number, out: Float64Array, expected: number, what: string): void {
    const { keys } = this.source.tree!;
    this.source.id = id;
    this.checkLength(readDoubleList(out, this.text, keys.start(id), keys.end(id), this.source), expected, what);
  }

  /** A list is read in full (every token checked) before its length is. */
  private checkLength(count: number, expected: number, what: string): void {
    if (count !== expected) wrongListLength(this.source.tree!.index, keyName(this.source.id), count, expected, what, this.source.line);
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

/** Where the list being read is, for error messages: "Tree=3 leaf_value" at its line. */
class NodeListSource implements ListSource {
  tree: TreeBlock | null = null;
  id = 0;

  get key(): string {
    return `Tree=${this.tree!.index} ${keyName(this.id)}`;
  }

  get line(): number {
    return this.tree!.keys.line(this.id);
  }
}
