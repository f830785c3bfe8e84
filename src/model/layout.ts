// ModelFile -> ModelLayout: every tree flattened into typed arrays that both engines read (the JS
// engine directly, the WASM kernel after the loader copies them into linear memory). Building the
// layout is where tree structure is validated: a file that reaches here as a layout is safe to score.
//
// Nodes are 16-byte records in depth-first pre-order, so the left child of record r is r + 1:
//   f64  value  threshold (numeric split), category-set index (categorical split), output (leaf)
//   u32  meta   feature index (bits 0-23) | flags (bits 24-29)
//   i32  right  record index of the right child; a leaf points to itself
// A record is one cache line fetch per visit, and a walk only ever moves forward. Leaves name the
// feature slot `numFeatures`, which every input row holds as NaN, so a leaf "decides" to stay put:
// that lets several walks run in lock-step for a fixed number of steps.
// Everything else (counts, leaf numbers, per-tree data, bitsets, linear terms) is structure-of-arrays.
import { ModelFormatError } from "./errors";
import type { ModelFile, TreeBlock } from "./parse-model";

export const FEATURE_MASK = 0x00ffffff;
export const CATEGORICAL = 1 << 24;
export const DEFAULT_LEFT = 1 << 25;
export const MISSING_ZERO = 1 << 26;
export const MISSING_NAN = 1 << 27;
/** Where a NaN input goes at a numeric split, precomputed from the missing type and default side. */
export const NAN_LEFT = 1 << 28;
export const LEAF = 1 << 29;

/** Per-tree flags. */
export const TREE_LINEAR = 1;
export const TREE_CATEGORICAL = 2;
export const TREE_MISSING_ZERO = 4;

export const RECORD_BYTES = 16;

/** LightGBM's kZeroThreshold, the float literal 1e-35f: |x| at or below it counts as zero. */
export const ZERO_THRESHOLD = Math.fround(1e-35);

export interface ModelLayout {
  numFeatures: number;
  /** Trees per iteration: one per class for multiclass models, else 1. */
  numClass: number;
  numTrees: number;
  numIterations: number;
  numNodes: number;
  /** The node records; nodeValue and nodeWords are views of it. */
  nodeRecords: ArrayBuffer;
  /** nodeValue[2 r]: the record's value. */
  nodeValue: Float64Array;
  /** nodeWords[4 r + 2]: meta; nodeWords[4 r + 3]: right child. */
  nodeWords: Int32Array;
  /** Training rows that reached each node (LightGBM's internal_count / leaf_count): TreeSHAP covers. */
  nodeCount: Float64Array;
  /** LightGBM's leaf number for leaf records (what predict_leaf_index reports), -1 for splits. */
  nodeLeaf: Int32Array;
  /** Records of tree t are treeStart[t] .. treeStart[t + 1] - 1; the first is the root. */
  treeStart: Int32Array;
  treeFlags: Int32Array;
  /** Edges on the longest root-to-leaf path. */
  treeDepth: Int32Array;
  /** Count-weighted mean of the leaf values: each tree's TreeSHAP bias term. */
  treeExpectedValue: Float64Array;
  maxDepth: number;
  /** Category set s is the bitset catWords[catBounds[s] .. catBounds[s + 1]). */
  catBounds: Int32Array;
  catWords: Uint32Array;
  /** Linear leaves; null when no tree is linear. */
  linear: LinearLayout | null;
  /** Every tree has leaf and internal counts, so TreeSHAP can run. */
  hasCounts: boolean;
}

export interface LinearLayout {
  /** Per record: the leaf's constant term (0 for splits). */
  constant: Float64Array;
  /** Terms of record r: linearBegin[r] .. linearBegin[r + 1] - 1 into feature and coeff. */
  begin: Int32Array;
  feature: Int32Array;
  coeff: Float64Array;
}

export function recordMeta(layout: ModelLayout, record: number): number {
  return layout.nodeWords[4 * record + 2];
}

export function recordRight(layout: ModelLayout, record: number): number {
  return layout.nodeWords[4 * record + 3];
}

export function recordValue(layout: ModelLayout, record: number): number {
  return layout.nodeValue[2 * record];
}

/** Builds and validates the layout of a parsed model. */
export function buildLayout(model: ModelFile): ModelLayout {
  const numFeatures = model.maxFeatureIdx + 1;
  const numTrees = model.trees.length;
  let numNodes = 0;
  let numCatSets = 0;
  let numCatWords = 0;
  let numLinearTerms = 0;
  for (const tree of model.trees) {
    numNodes += 2 * tree.numLeaves - 1;
    numCatSets += tree.numCat;
    numCatWords += tree.catThreshold.length;
    if (tree.linear) numLinearTerms += tree.linear.leafFeatures.reduce((sum, f) => sum + f.length, 0);
  }
  const nodeRecords = new ArrayBuffer(numNodes * RECORD_BYTES);
  const anyLinear = model.trees.some((tree) => tree.linear !== null);
  const layout: ModelLayout = {
    numFeatures,
    numClass: model.numTreePerIteration,
    numTrees,
    numIterations: numTrees / model.numTreePerIteration,
    numNodes,
    nodeRecords,
    nodeValue: new Float64Array(nodeRecords),
    nodeWords: new Int32Array(nodeRecords),
    nodeCount: new Float64Array(numNodes),
    nodeLeaf: new Int32Array(numNodes),
    treeStart: new Int32Array(numTrees + 1),
    treeFlags: new Int32Array(numTrees),
    treeDepth: new Int32Array(numTrees),
    treeExpectedValue: new Float64Array(numTrees),
    maxDepth: 0,
    catBounds: new Int32Array(numCatSets + 1),
    catWords: new Uint32Array(numCatWords),
    linear: anyLinear
      ? {
          constant: new Float64Array(numNodes),
          begin: new Int32Array(numNodes + 1),
          feature: new Int32Array(numLinearTerms),
          coeff: new Float64Array(numLinearTerms),
        }
      : null,
    hasCounts: model.trees.every((tree) => tree.leafCount !== null && tree.internalCount !== null),
  };
  const cursor = { record: 0, catSet: 0, catWord: 0, linearTerm: 0 };
  for (const tree of model.trees) {
    layout.treeStart[tree.index] = cursor.record;
    flattenTree(tree, layout, cursor);
    layout.maxDepth = Math.max(layout.maxDepth, layout.treeDepth[tree.index]);
  }
  layout.treeStart[numTrees] = cursor.record;
  if (layout.linear) layout.linear.begin[numNodes] = cursor.linearTerm;
  assertLayoutSound(layout);
  return layout;
}

interface Cursor {
  record: number;
  catSet: number;
  catWord: number;
  linearTerm: number;
}

function flattenTree(tree: TreeBlock, layout: ModelLayout, cursor: Cursor): void {
  const fail = (problem: string, key?: string): never => {
    throw new ModelFormatError(`Tree=${tree.index}: ${problem}`, (key && tree.keyLines.get(key)) || tree.line);
  };
  const catSetBase = cursor.catSet;
  copyCategorySets(tree, layout, cursor, fail);
  const numSplits = tree.numLeaves - 1;
  const splitSeen = new Uint8Array(numSplits);
  const leafSeen = new Uint8Array(tree.numLeaves);
  let flags = tree.linear ? TREE_LINEAR : 0;
  let depth = 0;
  // Depth-first pre-order with an explicit stack (trees may be deep): each entry is a node reference
  // in LightGBM's encoding (>= 0 split, < 0 leaf ~k), the record whose right child it is, its depth.
  const stack: number[] = [tree.numLeaves > 1 ? 0 : ~0, -1, 0];
  if (numSplits > 0) splitSeen[0] = 1;
  while (stack.length > 0) {
    const nodeDepth = stack.pop()!;
    const rightOf = stack.pop()!;
    const node = stack.pop()!;
    const record = cursor.record++;
    if (rightOf >= 0) layout.nodeWords[4 * rightOf + 3] = record;
    if (layout.linear) layout.linear.begin[record] = cursor.linearTerm;
    depth = Math.max(depth, nodeDepth);
    if (node < 0) {
      writeLeaf(tree, ~node, record, layout, cursor);
      continue;
    }
    flags |= writeSplit(tree, node, record, layout, catSetBase, fail);
    for (const [child, key] of [[tree.rightChild[node], "right_child"], [tree.leftChild[node], "left_child"]] as const) {
      if (child >= 0) {
        if (child === 0 || child >= numSplits) fail(`${key} of node ${node} is ${child}, not a node (1..${numSplits - 1}) or leaf (-1..-${tree.numLeaves})`, key);
        if (splitSeen[child]) fail(`node ${child} is reached twice (a cycle or a shared child)`, key);
        splitSeen[child] = 1;
      } else {
        if (~child >= tree.numLeaves) fail(`${key} of node ${node} is ${child}, but the tree has only ${tree.numLeaves} leaves`, key);
        if (leafSeen[~child]) fail(`leaf ${~child} is reached twice`, key);
        leafSeen[~child] = 1;
      }
    }
    // right is pushed first so the left subtree is emitted right after this record
    stack.push(tree.rightChild[node], record, nodeDepth + 1, tree.leftChild[node], -1, nodeDepth + 1);
  }
  if (numSplits > 0) {
    const unreachedSplit = splitSeen.indexOf(0);
    if (unreachedSplit >= 0) fail(`node ${unreachedSplit} is not reachable from the root`, "left_child");
    const unreachedLeaf = leafSeen.indexOf(0);
    if (unreachedLeaf >= 0) fail(`leaf ${unreachedLeaf} is not reachable from the root`, "left_child");
  }
  layout.treeFlags[tree.index] = flags;
  layout.treeDepth[tree.index] = depth;
  layout.treeExpectedValue[tree.index] = expectedValue(tree);
}

function copyCategorySets(tree: TreeBlock, layout: ModelLayout, cursor: Cursor, fail: (p: string, k?: string) => never): void {
  const bounds = tree.catBoundaries;
  if (tree.numCat === 0) return;
  if (bounds[0] !== 0) fail(`cat_boundaries must start at 0, found ${bounds[0]}`, "cat_boundaries");
  for (let i = 0; i < tree.numCat; i++) {
    if (bounds[i + 1] < bounds[i]) fail(`cat_boundaries decrease at position ${i + 2}`, "cat_boundaries");
    layout.catBounds[cursor.catSet + i] = cursor.catWord + bounds[i];
  }
  if (bounds[tree.numCat] !== tree.catThreshold.length) {
    fail(`cat_boundaries ends at ${bounds[tree.numCat]} but cat_threshold has ${tree.catThreshold.length} words`, "cat_threshold");
  }
  layout.catWords.set(tree.catThreshold, cursor.catWord);
  cursor.catSet += tree.numCat;
  cursor.catWord += tree.catThreshold.length;
  layout.catBounds[cursor.catSet] = cursor.catWord;
}

/** Writes split `node` into `record`; returns tree flags it implies. */
function writeSplit(
  tree: TreeBlock, node: number, record: number, layout: ModelLayout, catSetBase: number, fail: (p: string, k?: string) => never,
): number {
  const decision = tree.decisionType[node];
  const missingType = (decision >> 2) & 3;
  if (missingType === 3) fail(`decision_type ${decision} of node ${node} has an unknown missing type`, "decision_type");
  const defaultLeft = (decision & 2) !== 0;
  const threshold = tree.threshold[node];
  let meta = tree.splitFeature[node];
  let value = threshold;
  let treeFlags = 0;
  if (decision & 1) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold >= tree.numCat) {
      fail(`categorical node ${node} names category set ${threshold}, but the tree has ${tree.numCat}`, "threshold");
    }
    meta |= CATEGORICAL; // NaN goes right at categorical splits whatever the missing type
    value = catSetBase + threshold;
    treeFlags |= TREE_CATEGORICAL;
  } else {
    // LightGBM turns NaN into 0.0 unless the missing type is NaN; at missing type Zero, 0.0 then
    // takes the default side.
    const nanLeft = missingType === 0 ? 0 <= threshold : defaultLeft;
    if (nanLeft) meta |= NAN_LEFT;
    if (missingType === 1) {
      meta |= MISSING_ZERO;
      treeFlags |= TREE_MISSING_ZERO;
    }
    if (missingType === 2) meta |= MISSING_NAN;
  }
  if (defaultLeft) meta |= DEFAULT_LEFT;
  layout.nodeValue[2 * record] = value;
  layout.nodeWords[4 * record + 2] = meta;
  layout.nodeCount[record] = tree.internalCount ? tree.internalCount[node] : 0;
  layout.nodeLeaf[record] = -1;
  return treeFlags;
}

function writeLeaf(tree: TreeBlock, leaf: number, record: number, layout: ModelLayout, cursor: Cursor): void {
  layout.nodeValue[2 * record] = tree.leafValue[leaf];
  layout.nodeWords[4 * record + 2] = LEAF | layout.numFeatures;
  layout.nodeWords[4 * record + 3] = record;
  layout.nodeCount[record] = tree.leafCount ? tree.leafCount[leaf] : 0;
  layout.nodeLeaf[record] = leaf;
  const linear = layout.linear;
  if (!linear || !tree.linear) return;
  linear.constant[record] = tree.linear.leafConst[leaf];
  linear.feature.set(tree.linear.leafFeatures[leaf], cursor.linearTerm);
  linear.coeff.set(tree.linear.leafCoeff[leaf], cursor.linearTerm);
  cursor.linearTerm += tree.linear.leafFeatures[leaf].length;
}

/** Tree::ExpectedValue: sum over leaves, in leaf order, of (leaf_count / root count) * leaf value. */
function expectedValue(tree: TreeBlock): number {
  if (tree.numLeaves === 1) return tree.leafValue[0];
  if (!tree.leafCount || !tree.internalCount) return NaN;
  const total = tree.internalCount[0];
  let sum = 0.0;
  for (let i = 0; i < tree.numLeaves; i++) sum += (tree.leafCount[i] / total) * tree.leafValue[i];
  return sum;
}

/**
 * The invariants the kernel relies on to stay inside its data and to terminate, checked on the
 * finished arrays independently of how they were built.
 */
export function assertLayoutSound(layout: ModelLayout): void {
  const broken = (what: string): never => {
    throw new ModelFormatError(`internal layout check failed: ${what}`);
  };
  const { numNodes, numFeatures, treeStart, catBounds, catWords } = layout;
  if (treeStart[0] !== 0 || treeStart[layout.numTrees] !== numNodes) broken("tree ranges do not cover the records");
  for (let s = 0; s + 1 < catBounds.length; s++) {
    if (catBounds[s] < 0 || catBounds[s] > catBounds[s + 1] || catBounds[s + 1] > catWords.length) broken(`category set ${s}`);
  }
  for (let t = 0; t < layout.numTrees; t++) {
    const end = treeStart[t + 1];
    if (treeStart[t] >= end) broken(`tree ${t} is empty`);
    for (let r = treeStart[t]; r < end; r++) {
      const meta = recordMeta(layout, r);
      const right = recordRight(layout, r);
      const feature = meta & FEATURE_MASK;
      if (meta & LEAF) {
        if (right !== r || feature !== numFeatures) broken(`leaf record ${r}`);
        continue;
      }
      if (feature >= numFeatures || r + 1 >= end || right <= r + 1 || right >= end) broken(`split record ${r}`);
      if (meta & CATEGORICAL) {
        const set = recordValue(layout, r);
        if (!Number.isInteger(set) || set < 0 || set + 1 >= catBounds.length) broken(`category set of record ${r}`);
      }
    }
  }
  const linear = layout.linear;
  if (linear) {
    for (let r = 0; r < numNodes; r++) {
      if (linear.begin[r] > linear.begin[r + 1]) broken(`linear terms of record ${r}`);
    }
    if (linear.begin[numNodes] !== linear.feature.length || linear.coeff.length !== linear.feature.length) broken("linear term count");
    for (const f of linear.feature) if (f < 0 || f >= numFeatures) broken("linear feature index");
  }
}
