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
import type { LinearLeaves, ModelFile, TreeBlock } from "./parse-model";
import type { TreeNodeReader, TreeNodes } from "./tree-nodes";

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
  /** Training rows that reached each node (LightGBM's internal_count / leaf_count, ints): TreeSHAP covers. */
  nodeCount: Int32Array;
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

export function recordValue(layout: ModelLayout, record: number): number {
  return layout.nodeValue[2 * record];
}

/** Builds and validates the layout of a parsed model, decoding its node lists with `nodes`. */
export function buildLayout(model: ModelFile, nodes: TreeNodeReader): ModelLayout {
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
    nodeCount: new Int32Array(numNodes),
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
    hasCounts: model.trees.every((tree) => tree.hasCounts),
  };
  const cursor = { record: 0, catSet: 0, catWord: 0, linearTerm: 0 };
  for (const tree of model.trees) {
    layout.treeStart[tree.index] = cursor.record;
    flattenTree(tree, nodes.read(tree), layout, cursor);
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

// The loops below run once per node (half a million in a big model). They build no strings: a
// template literal inside a loop, even in a branch that never runs, makes V8's code for the whole
// loop several times slower. Problems are reported by the cold functions at the end of this file.

/** flattenTree's working memory, reused from tree to tree (a new array per tree costs more than the walk). */
const scratch = {
  /** Pending right children of the walk: (node, parent record, depth) triples. */
  pending: new Int32Array(3 * 256),
  /** Which splits and leaves the walk has reached. */
  splitSeen: new Uint8Array(256),
  leafSeen: new Uint8Array(256),
};

/** Scratch arrays for a tree of `numLeaves` leaves, the seen marks cleared. */
function scratchFor(numLeaves: number): typeof scratch {
  if (scratch.leafSeen.length < numLeaves) {
    scratch.pending = new Int32Array(3 * numLeaves);
    scratch.splitSeen = new Uint8Array(numLeaves);
    scratch.leafSeen = new Uint8Array(numLeaves);
  }
  scratch.splitSeen.fill(0, 0, numLeaves);
  scratch.leafSeen.fill(0, 0, numLeaves);
  return scratch;
}

function flattenTree(tree: TreeBlock, nodes: TreeNodes, layout: ModelLayout, cursor: Cursor): void {
  const catSetBase = cursor.catSet;
  copyCategorySets(tree, layout, cursor);
  const { numLeaves, numCat } = tree;
  const { leftChild, rightChild, decisionType, splitFeature, threshold, internalCount, leafValue, leafCount } = nodes;
  const { nodeValue, nodeWords, nodeCount, nodeLeaf, linear } = layout;
  const leafMeta = LEAF | layout.numFeatures;
  const numSplits = numLeaves - 1;
  // Every split is claimed once before its children are pushed, so at most numSplits are pending.
  const { pending, splitSeen, leafSeen } = scratchFor(numLeaves);
  let metaUnion = 0;
  let depth = 0;
  // Depth-first pre-order: each split's record is followed by its left subtree, then its right one,
  // whose record number is written into the split's record when the walk gets there.
  let node = numLeaves > 1 ? 0 : ~0;
  let nodeDepth = 0;
  let top = 0;
  if (numSplits > 0) splitSeen[0] = 1;
  // the walk's record number lives in a local (cursor.record++ per record costs a load and a store)
  let record = cursor.record - 1;
  for (;;) {
    record++;
    if (linear) linear.begin[record] = cursor.linearTerm;
    if (node < 0) {
      const leaf = ~node;
      nodeValue[2 * record] = leafValue[leaf];
      nodeWords[4 * record + 2] = leafMeta;
      nodeWords[4 * record + 3] = record;
      nodeCount[record] = leafCount ? leafCount[leaf] : 0;
      nodeLeaf[record] = leaf;
      if (linear && tree.linear) copyLinearTerms(tree.linear, leaf, record, linear, cursor);
      // the deepest nodes are leaves
      if (nodeDepth > depth) depth = nodeDepth;
      if (top === 0) break;
      // the next record is the right child of a pending split
      nodeDepth = pending[--top];
      nodeWords[4 * pending[--top] + 3] = record + 1;
      node = pending[--top];
      continue;
    }
    const decision = decisionType[node];
    const value = threshold[node];
    if (((decision >> 2) & 3) === 3) unknownMissingType(tree, node, decision);
    if (decision & 1 && !(Number.isInteger(value) && value >= 0 && value < numCat)) unknownCategorySet(tree, node, value);
    const meta = splitMeta(decision, splitFeature[node], value);
    metaUnion |= meta;
    nodeValue[2 * record] = meta & CATEGORICAL ? catSetBase + value : value;
    nodeWords[4 * record + 2] = meta;
    nodeCount[record] = internalCount ? internalCount[node] : 0;
    nodeLeaf[record] = -1;
    const left = leftChild[node];
    const right = rightChild[node];
    const rightProblem = claimChild(right, numLeaves, splitSeen, leafSeen);
    if (rightProblem !== CHILD_OK) childError(tree, node, right, "right_child", rightProblem);
    const leftProblem = claimChild(left, numLeaves, splitSeen, leafSeen);
    if (leftProblem !== CHILD_OK) childError(tree, node, left, "left_child", leftProblem);
    pending[top++] = right;
    pending[top++] = record;
    pending[top++] = nodeDepth + 1;
    node = left;
    nodeDepth++;
  }
  cursor.record = record + 1;
  if (numSplits > 0) assertAllReached(tree, splitSeen, leafSeen);
  layout.treeFlags[tree.index] =
    (tree.linear ? TREE_LINEAR : 0) | (metaUnion & CATEGORICAL ? TREE_CATEGORICAL : 0) | (metaUnion & MISSING_ZERO ? TREE_MISSING_ZERO : 0);
  layout.treeDepth[tree.index] = depth;
  layout.treeExpectedValue[tree.index] = expectedValue(numLeaves, nodes);
}

/** A split record's meta word: feature | flags, from LightGBM's decision_type bits and threshold. */
function splitMeta(decision: number, feature: number, threshold: number): number {
  const missingType = (decision >> 2) & 3;
  const defaultLeft = (decision & 2) !== 0;
  let meta = feature | (defaultLeft ? DEFAULT_LEFT : 0);
  // NaN goes right at categorical splits whatever the missing type
  if (decision & 1) return meta | CATEGORICAL;
  // LightGBM turns NaN into 0.0 unless the missing type is NaN; at missing type Zero, 0.0 then
  // takes the default side.
  const nanLeft = missingType === 0 ? 0 <= threshold : defaultLeft;
  if (nanLeft) meta |= NAN_LEFT;
  if (missingType === 1) meta |= MISSING_ZERO;
  if (missingType === 2) meta |= MISSING_NAN;
  return meta;
}

function copyLinearTerms(leaves: LinearLeaves, leaf: number, record: number, linear: LinearLayout, cursor: Cursor): void {
  linear.constant[record] = leaves.leafConst[leaf];
  linear.feature.set(leaves.leafFeatures[leaf], cursor.linearTerm);
  linear.coeff.set(leaves.leafCoeff[leaf], cursor.linearTerm);
  cursor.linearTerm += leaves.leafFeatures[leaf].length;
}

const CHILD_OK = 0;
const NOT_A_NODE = 1;
const NODE_TWICE = 2;
const NOT_A_LEAF = 3;
const LEAF_TWICE = 4;

/**
 * Marks `child` (LightGBM's encoding: >= 0 split, < 0 leaf ~k; the root, split 0, is no one's
 * child) as reached; returns CHILD_OK, or what is wrong with it.
 */
function claimChild(child: number, numLeaves: number, splitSeen: Uint8Array, leafSeen: Uint8Array): number {
  if (child >= 0) {
    if (child === 0 || child >= numLeaves - 1) return NOT_A_NODE;
    if (splitSeen[child]) return NODE_TWICE;
    splitSeen[child] = 1;
  } else {
    if (~child >= numLeaves) return NOT_A_LEAF;
    if (leafSeen[~child]) return LEAF_TWICE;
    leafSeen[~child] = 1;
  }
  return CHILD_OK;
}

function copyCategorySets(tree: TreeBlock, layout: ModelLayout, cursor: Cursor): void {
  const bounds = tree.catBoundaries;
  if (tree.numCat === 0) return;
  if (bounds[0] !== 0) treeError(tree, `cat_boundaries must start at 0, found ${bounds[0]}`, "cat_boundaries");
  for (let i = 0; i < tree.numCat; i++) {
    if (bounds[i + 1] < bounds[i]) treeError(tree, `cat_boundaries decrease at position ${i + 2}`, "cat_boundaries");
    layout.catBounds[cursor.catSet + i] = cursor.catWord + bounds[i];
  }
  if (bounds[tree.numCat] !== tree.catThreshold.length) {
    treeError(tree, `cat_boundaries ends at ${bounds[tree.numCat]} but cat_threshold has ${tree.catThreshold.length} words`, "cat_threshold");
  }
  layout.catWords.set(tree.catThreshold, cursor.catWord);
  cursor.catSet += tree.numCat;
  cursor.catWord += tree.catThreshold.length;
  layout.catBounds[cursor.catSet] = cursor.catWord;
}

/** Tree::ExpectedValue: sum over leaves, in leaf order, of (leaf_count / root count) * leaf value. */
function expectedValue(numLeaves: number, { leafCount, internalCount, leafValue }: TreeNodes): number {
  if (numLeaves === 1) return leafValue[0];
  if (!leafCount || !internalCount) return NaN;
  const total = internalCount[0];
  let sum = 0.0;
  for (let i = 0; i < numLeaves; i++) sum += (leafCount[i] / total) * leafValue[i];
  return sum;
}

/**
 * The invariants the kernel relies on to stay inside its data and to terminate, checked on the
 * finished arrays independently of how they were built.
 */
export function assertLayoutSound(layout: ModelLayout): void {
  const { numNodes, numFeatures, treeStart, catBounds, catWords, nodeWords, nodeValue } = layout;
  if (treeStart[0] !== 0 || treeStart[layout.numTrees] !== numNodes) broken("tree ranges do not cover the records");
  for (let s = 0; s + 1 < catBounds.length; s++) {
    if (catBounds[s] < 0 || catBounds[s] > catBounds[s + 1] || catBounds[s + 1] > catWords.length) broken("category set", s);
  }
  for (let t = 0; t < layout.numTrees; t++) {
    const end = treeStart[t + 1];
    if (treeStart[t] >= end) broken("tree", t, "is empty");
    for (let r = treeStart[t]; r < end; r++) {
      const meta = nodeWords[4 * r + 2];
      const right = nodeWords[4 * r + 3];
      const feature = meta & FEATURE_MASK;
      if (meta & LEAF) {
        if (right !== r || feature !== numFeatures) broken("leaf record", r);
        continue;
      }
      if (feature >= numFeatures || r + 1 >= end || right <= r + 1 || right >= end) broken("split record", r);
      if (meta & CATEGORICAL) {
        const set = nodeValue[2 * r];
        if (!Number.isInteger(set) || set < 0 || set + 1 >= catBounds.length) broken("category set of record", r);
      }
    }
  }
  const linear = layout.linear;
  if (linear) {
    for (let r = 0; r < numNodes; r++) {
      if (linear.begin[r] > linear.begin[r + 1]) broken("linear terms of record", r);
    }
    if (linear.begin[numNodes] !== linear.feature.length || linear.coeff.length !== linear.feature.length) broken("linear term count");
    for (const f of linear.feature) if (f < 0 || f >= numFeatures) broken("linear feature index");
  }
}

// ------------------------------------------------------------------ problems (cold paths)

/** A tree's problem, at the line of `key` in its block (or its Tree= line). */
function treeError(tree: TreeBlock, problem: string, key?: string): never {
  throw new ModelFormatError(`Tree=${tree.index}: ${problem}`, (key && tree.keys.get(key)?.line) || tree.line);
}

function childError(tree: TreeBlock, node: number, child: number, key: string, problem: number): never {
  const { numLeaves } = tree;
  switch (problem) {
    case NOT_A_NODE:
      return treeError(tree, `${key} of node ${node} is ${child}, not a node (1..${numLeaves - 2}) or leaf (-1..-${numLeaves})`, key);
    case NODE_TWICE:
      return treeError(tree, `node ${child} is reached twice (a cycle or a shared child)`, key);
    case NOT_A_LEAF:
      return treeError(tree, `${key} of node ${node} is ${child}, but the tree has only ${numLeaves} leaves`, key);
    default:
      return treeError(tree, `leaf ${~child} is reached twice`, key);
  }
}

function assertAllReached(tree: TreeBlock, splitSeen: Uint8Array, leafSeen: Uint8Array): void {
  // (a loop, not indexOf on subarrays: two typed arrays per tree cost more than the loops)
  for (let node = 0; node < tree.numLeaves - 1; node++) if (splitSeen[node] === 0) unreachable(tree, "node", node);
  for (let leaf = 0; leaf < tree.numLeaves; leaf++) if (leafSeen[leaf] === 0) unreachable(tree, "leaf", leaf);
}

function unreachable(tree: TreeBlock, what: string, index: number): never {
  return treeError(tree, `${what} ${index} is not reachable from the root`, "left_child");
}

function unknownMissingType(tree: TreeBlock, node: number, decision: number): never {
  return treeError(tree, `decision_type ${decision} of node ${node} has an unknown missing type`, "decision_type");
}

function unknownCategorySet(tree: TreeBlock, node: number, set: number): never {
  return treeError(tree, `categorical node ${node} names category set ${set}, but the tree has ${tree.numCat}`, "threshold");
}

/** A failed layout invariant: "<subject> <index> <predicate>", e.g. "tree 3 is empty". */
function broken(subject: string, index?: number, predicate?: string): never {
  const what = [subject, index, predicate].filter((part) => part !== undefined).join(" ");
  throw new ModelFormatError(`internal layout check failed: ${what}`);
}
