// Hand-written LightGBM models, for the rules the zoo does not show (missing type Zero, categorical
// edge values, one-leaf linear trees...). Produces model.txt text in LightGBM's own format.

export interface TinyTree {
  numLeaves: number;
  splitFeature?: number[];
  threshold?: number[];
  decisionType?: number[];
  leftChild?: number[];
  rightChild?: number[];
  leafValue: number[];
  leafCount?: number[];
  internalCount?: number[];
  /** Category sets: each a list of uint32 words (the tree's num_cat = sets.length). */
  categorySets?: number[][];
  linear?: { leafConst: number[]; leafFeatures: number[][]; leafCoeff: number[][] };
}

export interface TinyModel {
  features: string[];
  objective?: string | null;
  numClass?: number;
  trees: TinyTree[];
  headerLines?: string[];
}

/** Numbers as a model file lists them; -0 keeps its sign (String(-0) is "0"). */
const list = (values: readonly number[] | undefined) => (values ?? []).map((v) => (Object.is(v, -0) ? "-0" : String(v))).join(" ");

export function tinyModelText(model: TinyModel): string {
  const numClass = model.numClass ?? 1;
  const lines = [
    "tree",
    "version=v4",
    `num_class=${numClass}`,
    `num_tree_per_iteration=${numClass}`,
    "label_index=0",
    `max_feature_idx=${model.features.length - 1}`,
    ...(model.objective === null ? [] : [`objective=${model.objective ?? "regression"}`]),
    ...(model.headerLines ?? []),
    `feature_names=${model.features.join(" ")}`,
    `feature_infos=${model.features.map(() => "[-10:10]").join(" ")}`,
    "",
  ];
  model.trees.forEach((tree, index) => {
    const sets = tree.categorySets ?? [];
    const bounds = [0];
    for (const set of sets) bounds.push(bounds[bounds.length - 1] + set.length);
    const splits = tree.numLeaves - 1;
    lines.push(
      `Tree=${index}`,
      `num_leaves=${tree.numLeaves}`,
      `num_cat=${sets.length}`,
      `split_feature=${list(tree.splitFeature)}`,
      `split_gain=${list(tree.splitFeature?.map(() => 1))}`,
      `threshold=${list(tree.threshold)}`,
      `decision_type=${list(tree.decisionType ?? tree.splitFeature?.map(() => 2))}`,
      `left_child=${list(tree.leftChild)}`,
      `right_child=${list(tree.rightChild)}`,
      `leaf_value=${list(tree.leafValue)}`,
      `leaf_count=${list(tree.leafCount ?? tree.leafValue.map(() => 10))}`,
      `internal_count=${list(tree.internalCount ?? Array.from({ length: splits }, () => 10 * tree.numLeaves))}`,
    );
    if (sets.length > 0) lines.push(`cat_boundaries=${list(bounds)}`, `cat_threshold=${list(sets.flat())}`);
    if (tree.linear) {
      const { leafConst, leafFeatures, leafCoeff } = tree.linear;
      lines.push(
        "is_linear=1",
        `leaf_const=${list(leafConst)}`,
        `num_features=${list(leafFeatures.map((f) => f.length))}`,
        `leaf_features=${leafFeatures.map((f) => `${list(f)} `).join(" ")}`,
        `leaf_coeff=${leafCoeff.map((c) => `${list(c)} `).join(" ")}`,
      );
    } else {
      lines.push("is_linear=0");
    }
    lines.push("shrinkage=1", "", "");
  });
  lines.push("end of trees", "");
  return lines.join("\n");
}

/** One split on feature 0 at `threshold`: leaf 0 (left) outputs 1, leaf 1 (right) outputs 2. */
export function stumpModel(decisionType: number, threshold: number): string {
  return tinyModelText({
    features: ["x", "y"],
    trees: [{ numLeaves: 2, splitFeature: [0], threshold: [threshold], decisionType: [decisionType], leftChild: [-1], rightChild: [-2], leafValue: [1, 2] }],
  });
}
