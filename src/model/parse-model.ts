// model.txt -> ModelFile: the text decoded into numbers, tree by tree, with the line each value came
// from. Checks here are about the text (required keys, numbers, list lengths); the tree structure is
// checked when the flat layout is built (layout.ts). Follows LightGBM's GBDT::LoadModelFromString and
// Tree::Tree(const char*): which keys are required and what missing optional keys mean.
import { ModelFormatError } from "./errors";
import { type ListSource, parseDoubleList, parseInteger, parseIntegerList, splitList } from "./tokens";

export interface ModelFile {
  /** The version line's value ("v4", "v3", "v2"). LightGBM itself never reads it. */
  version: string;
  numClass: number;
  numTreePerIteration: number;
  maxFeatureIdx: number;
  /** The objective line's value (e.g. "binary sigmoid:1"), or null when the model has none. */
  objective: string | null;
  objectiveLine: number;
  /** The bare `average_output` line of random-forest models. */
  averageOutput: boolean;
  featureNames: string[];
  /** Per feature: "[min:max]" for numeric, "-1:c1:c2:..." (category list) for categorical, or "none". */
  featureInfos: string[];
  trees: TreeBlock[];
  /** `[linear_tree: 1]` in the parameters section: LightGBM then refuses SHAP contributions. */
  linearTreeParameter: boolean;
  /** `[categorical_feature: 1,3]` in the parameters section (feature indices), or null. */
  categoricalFeatureParameter: number[] | null;
  /** The Python package's trailing `pandas_categorical:` JSON (category tables), or null. */
  pandasCategorical: unknown;
}

export interface TreeBlock {
  /** Position in the file (0-based), which is also LightGBM's tree index. */
  index: number;
  /** Line of the `Tree=` header. */
  line: number;
  /** Line of each key, for error messages. */
  keyLines: Map<string, number>;
  numLeaves: number;
  numCat: number;
  splitFeature: Int32Array;
  threshold: Float64Array;
  decisionType: Int32Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  leafValue: Float64Array;
  /** Training rows per leaf / internal node (TreeSHAP covers); null when the model omits them. */
  leafCount: Float64Array | null;
  internalCount: Float64Array | null;
  catBoundaries: Int32Array;
  catThreshold: Uint32Array;
  linear: LinearLeaves | null;
}

/** Linear-tree leaves: output = constant + sum of coefficient * feature. */
export interface LinearLeaves {
  leafConst: Float64Array;
  /** Per leaf, the features and coefficients of its linear model. */
  leafFeatures: Int32Array[];
  leafCoeff: Float64Array[];
}

const INT32_MAX = 2147483647;
/** Tree blocks have at most 22 lines in LightGBM; more means a missing blank line or garbage. */
const MAX_TREE_KEYS = 32;

interface Line {
  text: string;
  number: number;
}

/** Reads a LightGBM text model (as written by save_model / output_model, versions v2 to v4). */
export function parseModel(text: string): ModelFile {
  const lines = splitLines(text.startsWith("\uFEFF") ? text.slice(1) : text); // a byte-order mark from an editor
  if (text.trim() === "") throw new ModelFormatError("the model file is empty");
  if (lines[0].text !== "tree") {
    throw new ModelFormatError(
      `expected "tree" (the first line of a LightGBM text model), found "${preview(lines[0].text)}"`,
      1,
    );
  }
  let cursor = 1;
  const header = new Map<string, { value: string; line: number }>();
  for (; cursor < lines.length; cursor++) {
    const { text: line, number } = lines[cursor];
    if (line.startsWith("Tree=") || line === "end of trees") break;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    header.set(key, { value: eq < 0 ? "" : line.slice(eq + 1), line: number });
  }

  const required = (key: string) => {
    const entry = header.get(key);
    if (!entry) throw new ModelFormatError(`the header has no ${key}= line`);
    return entry;
  };
  const headerInteger = (key: string, min: number, max: number) => {
    const entry = required(key);
    return parseInteger(entry.value, { key, line: entry.line }, 0, min, max);
  };

  const versionEntry = required("version");
  const version = versionEntry.value;
  if (!/^v[234]$/.test(version)) {
    throw new ModelFormatError(`unsupported model version "${preview(version)}" (this scorer reads v2, v3 and v4)`, versionEntry.line);
  }
  const numClass = headerInteger("num_class", 1, 1 << 20);
  const numTreePerIteration = header.has("num_tree_per_iteration")
    ? headerInteger("num_tree_per_iteration", 1, 1 << 20)
    : numClass;
  // LightGBM trains one tree per class per iteration, and sizes its outputs by num_class
  if (numTreePerIteration !== numClass) {
    throw new ModelFormatError(
      `num_tree_per_iteration=${numTreePerIteration} does not match num_class=${numClass}`,
      header.get("num_tree_per_iteration")!.line,
    );
  }
  const maxFeatureIdx = headerInteger("max_feature_idx", 0, (1 << 24) - 2);
  const numFeatures = maxFeatureIdx + 1;

  const namesEntry = required("feature_names");
  const featureNames = splitList(namesEntry.value);
  if (featureNames.length !== numFeatures) {
    throw new ModelFormatError(
      `feature_names lists ${featureNames.length} names but max_feature_idx=${maxFeatureIdx} means ${numFeatures} features`,
      namesEntry.line,
    );
  }
  const infosEntry = required("feature_infos");
  const featureInfos = splitList(infosEntry.value);
  if (featureInfos.length !== numFeatures) {
    throw new ModelFormatError(
      `feature_infos has ${featureInfos.length} entries but the model has ${numFeatures} features`,
      infosEntry.line,
    );
  }
  const objectiveEntry = header.get("objective");

  const trees: TreeBlock[] = [];
  while (cursor < lines.length && lines[cursor].text.startsWith("Tree=")) {
    const block = readTreeBlock(lines, cursor, trees.length, numFeatures);
    trees.push(block.tree);
    cursor = block.next;
    while (cursor < lines.length && lines[cursor].text === "") cursor++;
  }
  if (cursor >= lines.length || lines[cursor].text !== "end of trees") {
    const where = cursor < lines.length ? `found "${preview(lines[cursor].text)}"` : "the file ends";
    throw new ModelFormatError(
      `expected "Tree=${trees.length}" or "end of trees" but ${where}: the file is truncated or corrupt`,
      cursor < lines.length ? lines[cursor].number : lines.length,
    );
  }
  if (trees.length === 0) throw new ModelFormatError("the model has no trees", lines[cursor].number);
  if (trees.length % numTreePerIteration !== 0) {
    throw new ModelFormatError(
      `${trees.length} trees is not a whole number of iterations of ${numTreePerIteration} trees: the file is truncated or corrupt`,
      lines[cursor].number,
    );
  }
  const sizes = header.get("tree_sizes");
  if (sizes && splitList(sizes.value).length !== trees.length) {
    throw new ModelFormatError(
      `tree_sizes lists ${splitList(sizes.value).length} trees but the file holds ${trees.length}`,
      sizes.line,
    );
  }

  return {
    version,
    numClass,
    numTreePerIteration,
    maxFeatureIdx,
    objective: objectiveEntry ? objectiveEntry.value : null,
    objectiveLine: objectiveEntry ? objectiveEntry.line : 0,
    averageOutput: header.has("average_output"),
    featureNames,
    featureInfos,
    trees,
    ...readTrailer(lines, cursor + 1),
  };
}

function splitLines(text: string): Line[] {
  const raw = text.split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  return raw.map((line, i) => ({ text: line.endsWith("\r") ? line.slice(0, -1) : line, number: i + 1 }));
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

function readTreeBlock(lines: Line[], start: number, index: number, numFeatures: number): { tree: TreeBlock; next: number } {
  const headerLine = lines[start];
  const declared = headerLine.text.slice("Tree=".length);
  if (declared !== String(index)) {
    throw new ModelFormatError(`found "Tree=${preview(declared)}" where Tree=${index} was expected`, headerLine.number);
  }
  const values = new Map<string, string>();
  const keyLines = new Map<string, number>();
  let cursor = start + 1;
  for (; cursor < lines.length; cursor++) {
    const { text, number } = lines[cursor];
    if (text === "" || text.startsWith("Tree=") || text === "end of trees") break;
    const eq = text.indexOf("=");
    if (eq <= 0) throw new ModelFormatError(`Tree=${index}: expected key=value, found "${preview(text)}"`, number);
    const key = text.slice(0, eq);
    if (values.has(key)) throw new ModelFormatError(`Tree=${index}: ${key} appears twice`, number);
    if (values.size >= MAX_TREE_KEYS) throw new ModelFormatError(`Tree=${index}: too many lines (a blank line must end each tree)`, number);
    values.set(key, text.slice(eq + 1));
    keyLines.set(key, number);
  }
  const where = (key: string): ListSource => ({ key: `Tree=${index} ${key}`, line: keyLines.get(key) ?? headerLine.number });
  const has = (key: string) => values.has(key);
  const value = (key: string) => {
    const v = values.get(key);
    if (v === undefined) throw new ModelFormatError(`Tree=${index} has no ${key}= line`, headerLine.number);
    return v;
  };
  const withLength = <T extends { length: number }>(key: string, list: T, expected: number, what: string): T => {
    if (list.length !== expected) {
      throw new ModelFormatError(`Tree=${index}: ${key} has ${list.length} values, expected ${expected} (${what})`, where(key).line);
    }
    return list;
  };

  const numLeaves = parseInteger(value("num_leaves"), where("num_leaves"), 0, 1, INT32_MAX);
  const numCat = parseInteger(value("num_cat"), where("num_cat"), 0, 0, INT32_MAX);
  const numSplits = numLeaves - 1;
  const leafValue = withLength("leaf_value", parseDoubleList(value("leaf_value"), where("leaf_value")), numLeaves, "num_leaves");
  const isLinear = has("is_linear") && parseInteger(value("is_linear"), where("is_linear"), 0, 0, 1) === 1;
  // A single leaf needs no split arrays (LightGBM skips them), except for linear trees.
  const splitsNeeded = numLeaves > 1 || isLinear;
  const splitInts = (key: string, min: number, max: number) =>
    splitsNeeded ? withLength(key, parseIntegerList(value(key), where(key), min, max), numSplits, "num_leaves - 1") : new Int32Array(0);

  const counts = (key: string, expected: number, what: string) =>
    has(key) ? withLength(key, Float64Array.from(parseIntegerList(value(key), where(key), 0, INT32_MAX)), expected, what) : null;

  const tree: TreeBlock = {
    index,
    line: headerLine.number,
    keyLines,
    numLeaves,
    numCat,
    splitFeature: splitInts("split_feature", 0, numFeatures - 1),
    threshold: splitsNeeded
      ? withLength("threshold", parseDoubleList(value("threshold"), where("threshold")), numSplits, "num_leaves - 1")
      : new Float64Array(0),
    // missing decision types mean numeric splits, missing type None, default right
    decisionType: has("decision_type") ? splitInts("decision_type", 0, 15) : new Int32Array(numSplits),
    leftChild: splitInts("left_child", -INT32_MAX, INT32_MAX),
    rightChild: splitInts("right_child", -INT32_MAX, INT32_MAX),
    leafValue,
    leafCount: counts("leaf_count", numLeaves, "num_leaves"),
    internalCount: numLeaves > 1 ? counts("internal_count", numSplits, "num_leaves - 1") : new Float64Array(0),
    catBoundaries: new Int32Array([0]),
    catThreshold: new Uint32Array(0),
    linear: isLinear ? readLinearLeaves(values, where, withLength, numLeaves, numFeatures) : null,
  };
  if (numCat > 0) {
    tree.catBoundaries = withLength(
      "cat_boundaries",
      parseIntegerList(value("cat_boundaries"), where("cat_boundaries"), 0, INT32_MAX),
      numCat + 1,
      "num_cat + 1",
    );
    const words = parseIntegerList(value("cat_threshold"), where("cat_threshold"), 0, 0xffffffff);
    tree.catThreshold = Uint32Array.from(words);
  }
  return { tree, next: cursor };
}

function readLinearLeaves(
  values: Map<string, string>,
  where: (key: string) => ListSource,
  withLength: <T extends { length: number }>(key: string, list: T, expected: number, what: string) => T,
  numLeaves: number,
  numFeatures: number,
): LinearLeaves {
  // LightGBM defaults: no leaf_const means 0, no num_features means no terms.
  const leafConst = values.has("leaf_const")
    ? withLength("leaf_const", parseDoubleList(values.get("leaf_const")!, where("leaf_const")), numLeaves, "num_leaves")
    : new Float64Array(numLeaves);
  const perLeaf = values.has("num_features")
    ? withLength("num_features", parseIntegerList(values.get("num_features")!, where("num_features"), 0, numFeatures), numLeaves, "num_leaves")
    : new Int32Array(numLeaves);
  const total = perLeaf.reduce((sum, n) => sum + n, 0);
  // Each leaf's list is followed by an extra space; the counts, not the spacing, split them.
  const features = total > 0 || values.has("leaf_features")
    ? withLength("leaf_features", parseIntegerList(values.get("leaf_features") ?? "", where("leaf_features"), 0, numFeatures - 1), total, "the sum of num_features")
    : new Int32Array(0);
  const coeffs = total > 0 || values.has("leaf_coeff")
    ? withLength("leaf_coeff", parseDoubleList(values.get("leaf_coeff") ?? "", where("leaf_coeff")), total, "the sum of num_features")
    : new Float64Array(0);
  const leafFeatures: Int32Array[] = [];
  const leafCoeff: Float64Array[] = [];
  let offset = 0;
  for (const n of perLeaf) {
    leafFeatures.push(features.slice(offset, offset + n));
    leafCoeff.push(coeffs.slice(offset, offset + n));
    offset += n;
  }
  return { leafConst, leafFeatures, leafCoeff };
}

/** After "end of trees": the parameters section and the Python package's pandas_categorical line. */
function readTrailer(
  lines: Line[],
  start: number,
): { linearTreeParameter: boolean; categoricalFeatureParameter: number[] | null; pandasCategorical: unknown } {
  let linearTreeParameter = false;
  let categoricalFeatureParameter: number[] | null = null;
  let pandasCategorical: unknown = null;
  let inParameters = false;
  for (let i = start; i < lines.length; i++) {
    const { text, number } = lines[i];
    if (text === "parameters:") inParameters = true;
    else if (text === "end of parameters") inParameters = false;
    else if (inParameters && text.startsWith("[linear_tree: ")) linearTreeParameter = text.charAt(14) === "1";
    else if (inParameters && /^\[categorical_feature: [\d,]*\]$/.test(text)) {
      categoricalFeatureParameter = text.slice(22, -1).split(",").filter(Boolean).map(Number);
    }
    else if (!inParameters && text.startsWith("pandas_categorical:")) {
      try {
        pandasCategorical = JSON.parse(text.slice("pandas_categorical:".length));
      } catch {
        throw new ModelFormatError("pandas_categorical: is not valid JSON", number);
      }
      if (pandasCategorical !== null && !isListOfLists(pandasCategorical)) {
        throw new ModelFormatError("pandas_categorical: expected null or a list of category lists", number);
      }
    }
  }
  return { linearTreeParameter, categoricalFeatureParameter, pandasCategorical };
}

function isListOfLists(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.every((item) => Array.isArray(item));
}
