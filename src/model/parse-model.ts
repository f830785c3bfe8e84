// model.txt -> ModelFile: the header, the trailer and the tree blocks, with the line each value came
// from. Checks here are about the text (required keys, numbers, list lengths); the tree structure is
// checked when the flat layout is built (layout.ts). Follows LightGBM's GBDT::LoadModelFromString and
// Tree::Tree(const char*): which keys are required and what missing optional keys mean.
//
// A big model is tens of MB of number lists, so lines are read as offsets into the text and lists are
// decoded from a reused byte copy (tokens.ts): no string per line or per number. Keys the scorer never
// reads (split_gain, internal_value, internal_weight, leaf_weight, shrinkage) are only skipped over.
// The lists with one value per node (split_feature ... internal_count), nearly all of a model's
// numbers, are decoded later, tree by tree into reused arrays, as the layout is built (tree-nodes.ts).
import { ModelFormatError } from "./errors";
import { type ListSource, maxTokens, parseInteger, readDoubleList, readInteger, readIntegerList, splitList } from "./tokens";

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
  /** Where each key's line is, for error messages and for decoding the node lists. */
  keys: TreeKeys;
  numLeaves: number;
  numCat: number;
  /** leaf_count and internal_count are there (TreeSHAP covers). */
  hasCounts: boolean;
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
const CARRIAGE_RETURN = 13;
const UPPER_T = 84;
const LOWER_E = 101;

/**
 * The model's lines, one at a time, as offsets: the current line is text[start, end), without its
 * line break and a carriage return before it. Lines are numbered from 1; a final line break does
 * not start another line.
 */
class LineReader {
  start = 0;
  end = 0;
  /** The current line's number; at the end of the text, the number of the last line. */
  number = 0;
  /** No line is left: the last advance() passed the end of the text. */
  done = false;
  private next: number;

  constructor(
    readonly text: string,
    offset: number,
  ) {
    this.next = offset;
  }

  /** Moves to the next line; false (and done) at the end of the text. */
  advance(): boolean {
    const { text } = this;
    if (this.next >= text.length) {
      this.done = true;
      return false;
    }
    const feed = text.indexOf("\n", this.next);
    const lineEnd = feed < 0 ? text.length : feed;
    this.start = this.next;
    this.end = lineEnd > this.start && text.charCodeAt(lineEnd - 1) === CARRIAGE_RETURN ? lineEnd - 1 : lineEnd;
    this.next = lineEnd + 1;
    this.number++;
    return true;
  }

  line(): string {
    return this.text.slice(this.start, this.end);
  }

  isBlank(): boolean {
    return this.start === this.end;
  }

  is(literal: string): boolean {
    return this.end - this.start === literal.length && this.text.startsWith(literal, this.start);
  }

  startsWith(prefix: string): boolean {
    return this.end - this.start >= prefix.length && this.text.startsWith(prefix, this.start);
  }

  /** Whether the current line starts a tree block or ends the trees. */
  isTreeBoundary(): boolean {
    // tree keys never start with T or e: most lines need no string comparison
    const first = this.start < this.end ? this.text.charCodeAt(this.start) : -1;
    return (first === UPPER_T && this.startsWith("Tree=")) || (first === LOWER_E && this.is("end of trees"));
  }

  /** The offset of the first "=" in the current line, or -1. */
  equalsSign(): number {
    const eq = this.text.indexOf("=", this.start);
    return eq < this.end ? eq : -1;
  }
}

/** A key=value line of a tree block: its number, and where its value is in the model text. */
export interface KeyLine {
  line: number;
  start: number;
  end: number;
}

/** Reads a LightGBM text model (as written by save_model / output_model, versions v2 to v4). */
export function parseModel(text: string): ModelFile {
  const lines = new LineReader(text, text.startsWith("\uFEFF") ? 1 : 0); // a byte-order mark from an editor
  if (text.trim() === "") throw new ModelFormatError("the model file is empty");
  lines.advance();
  if (!lines.is("tree")) {
    throw new ModelFormatError(`expected "tree" (the first line of a LightGBM text model), found "${preview(lines.line())}"`, 1);
  }
  const header = new Map<string, { value: string; line: number }>();
  while (lines.advance() && !lines.isTreeBoundary()) {
    if (lines.isBlank()) continue;
    const line = lines.line();
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    header.set(key, { value: eq < 0 ? "" : line.slice(eq + 1), line: lines.number });
  }

  const required = (key: string) => {
    const entry = header.get(key);
    if (!entry) throw new ModelFormatError(`the header has no ${key}= line`);
    return entry;
  };
  const headerInteger = (key: string, min: number, max: number) => {
    const entry = required(key);
    return parseInteger(entry.value, { key, line: entry.line }, min, max);
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
  while (!lines.done && lines.startsWith("Tree=")) {
    trees.push(readTreeBlock(lines, trees.length, numFeatures));
    while (!lines.done && lines.isBlank()) lines.advance();
  }
  if (lines.done || !lines.is("end of trees")) {
    const where = lines.done ? "the file ends" : `found "${preview(lines.line())}"`;
    throw new ModelFormatError(
      `expected "Tree=${trees.length}" or "end of trees" but ${where}: the file is truncated or corrupt`,
      lines.number,
    );
  }
  if (trees.length === 0) throw new ModelFormatError("the model has no trees", lines.number);
  if (trees.length % numTreePerIteration !== 0) {
    throw new ModelFormatError(
      `${trees.length} trees is not a whole number of iterations of ${numTreePerIteration} trees: the file is truncated or corrupt`,
      lines.number,
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
    ...readTrailer(lines),
  };
}

function preview(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** Whether text[start, end) is String(value) for an integer value >= 0 (no string made for the comparison). */
function spellsInteger(text: string, start: number, end: number, value: number): boolean {
  let rest = value;
  for (let i = end - 1; i >= start; i--) {
    if (text.charCodeAt(i) !== 48 + (rest % 10)) return false;
    rest = Math.floor(rest / 10);
    if (rest === 0) return i === start;
  }
  return false;
}

/** The category lists of the trees without categorical splits, shared (a typed array costs a microsecond to create). */
const NO_CATEGORY_SETS = new Int32Array([0]);
const NO_CATEGORY_WORDS = new Uint32Array(0);

/** Reads the block whose Tree= line is the current line; leaves `lines` on the line after it. */
function readTreeBlock(lines: LineReader, index: number, numFeatures: number): TreeBlock {
  if (!spellsInteger(lines.text, lines.start + "Tree=".length, lines.end, index)) {
    const declared = lines.line().slice("Tree=".length);
    throw new ModelFormatError(`found "Tree=${preview(declared)}" where Tree=${index} was expected`, lines.number);
  }
  const block = BlockValues.read(lines, index);
  const numLeaves = block.integer("num_leaves", 1, INT32_MAX);
  const numCat = block.integer("num_cat", 0, INT32_MAX);
  const numSplits = numLeaves - 1;
  // The node lists are decoded later (tree-nodes.ts), into arrays sized by num_leaves: here each is
  // checked to be there and to have room for its values, so a corrupt num_leaves allocates nothing.
  const room = (key: string, min: number, max: number, expected: number, what: string) => {
    if (!block.hasRoom(key, expected)) block.integers(key, min, max, expected, what);
  };
  if (!block.hasRoom("leaf_value", numLeaves)) block.doubles("leaf_value", numLeaves, "num_leaves");
  const isLinear = block.has("is_linear") && block.integer("is_linear", 0, 1) === 1;
  // A single leaf needs no split lists (LightGBM skips them), except in linear trees.
  if (numLeaves > 1 || isLinear) {
    room("split_feature", 0, numFeatures - 1, numSplits, "num_leaves - 1");
    if (!block.hasRoom("threshold", numSplits)) block.doubles("threshold", numSplits, "num_leaves - 1");
    if (block.has("decision_type")) room("decision_type", 0, 15, numSplits, "num_leaves - 1");
    room("left_child", -INT32_MAX, INT32_MAX, numSplits, "num_leaves - 1");
    room("right_child", -INT32_MAX, INT32_MAX, numSplits, "num_leaves - 1");
  }
  if (block.has("leaf_count")) room("leaf_count", 0, INT32_MAX, numLeaves, "num_leaves");
  if (numLeaves > 1 && block.has("internal_count")) room("internal_count", 0, INT32_MAX, numSplits, "num_leaves - 1");
  const tree: TreeBlock = {
    index,
    line: block.headerLine,
    keys: block.keys,
    numLeaves,
    numCat,
    hasCounts: block.has("leaf_count") && (numLeaves === 1 || block.has("internal_count")),
    catBoundaries: NO_CATEGORY_SETS,
    catThreshold: NO_CATEGORY_WORDS,
    linear: isLinear ? readLinearLeaves(block, numLeaves, numFeatures) : null,
  };
  if (numCat > 0) {
    tree.catBoundaries = block.integers("cat_boundaries", 0, INT32_MAX, numCat + 1, "num_cat + 1");
    // as many 32-bit words as cat_boundaries says, which the layout checks
    const words = block.integers("cat_threshold", 0, 0xffffffff);
    tree.catThreshold = new Uint32Array(words.buffer, words.byteOffset, words.length);
  }
  return tree;
}

/** The keys LightGBM writes in tree blocks, in the order it writes them; a key's position here is its id (keyId). */
const TREE_KEYS = [
  "num_leaves", "num_cat", "split_feature", "split_gain", "threshold", "decision_type", "left_child", "right_child",
  "leaf_value", "leaf_weight", "leaf_count", "internal_value", "internal_weight", "internal_count", "cat_boundaries",
  "cat_threshold", "is_linear", "leaf_const", "num_features", "leaf_features", "leaf_coeff", "shrinkage",
];
/** "key=" per key id: a line is first tried as the key that follows the last one in TREE_KEYS. */
const KEY_PREFIXES = TREE_KEYS.map((key) => `${key}=`);
const KEY_IDS = new Map(TREE_KEYS.map((key, id) => [key, id]));

/** The id of one of LightGBM's tree keys, or -1 for any other key. */
export function keyId(key: string): number {
  return KEY_IDS.get(key) ?? -1;
}

export function keyName(id: number): string {
  return TREE_KEYS[id];
}

/** LightGBM's tree keys by their length and first and last characters: ids of the keys that share them. */
const KEYS_BY_HASH = new Map<number, number[]>();
const keyHash = (length: number, first: number, last: number) => (length << 16) | (first << 8) | last;
TREE_KEYS.forEach((key, id) => {
  const hash = keyHash(key.length, key.charCodeAt(0), key.charCodeAt(key.length - 1));
  KEYS_BY_HASH.set(hash, [...(KEYS_BY_HASH.get(hash) ?? []), id]);
});

/** The id of the key text[start, end) when it is one of LightGBM's tree keys, else -1 (no string is cut for those). */
function treeKeyId(text: string, start: number, end: number): number {
  const known = KEYS_BY_HASH.get(keyHash(end - start, text.charCodeAt(start), text.charCodeAt(end - 1)));
  if (known !== undefined) {
    for (const id of known) if (sameChars(text, start, TREE_KEYS[id])) return id;
  }
  return -1;
}

/** Whether text holds `key` at `start`. */
function sameChars(text: string, start: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) if (text.charCodeAt(start + i) !== key.charCodeAt(i)) return false;
  return true;
}

/** TreeKeys' spans of a block with no lines: copying a packed array is cheaper than building one. */
const NO_SPANS: number[] = new Array(3 * TREE_KEYS.length).fill(0);

/**
 * Where each key=value line of a tree block is: LightGBM's keys in a plain array indexed by key id
 * (a Map and an object per line cost more than the rest of a small tree's parsing), others by name.
 */
export class TreeKeys {
  /** Per key id: its line number (0 when the block has no such line), and its value's start and end in the text. */
  private readonly spans: number[] = NO_SPANS.slice();
  private others: Map<string, KeyLine> | null = null;
  /** How many lines the block has. */
  size = 0;

  /** Records the line of `key` (of id `id`, or -1), which the block must not have yet. */
  add(id: number, key: string, line: number, start: number, end: number): void {
    if (id >= 0) {
      this.spans[3 * id] = line;
      this.spans[3 * id + 1] = start;
      this.spans[3 * id + 2] = end;
    } else {
      (this.others ??= new Map()).set(key, { line, start, end });
    }
    this.size++;
  }

  has(key: string): boolean {
    const id = keyId(key);
    return id >= 0 ? this.hasId(id) : this.others !== null && this.others.has(key);
  }

  get(key: string): KeyLine | undefined {
    const id = keyId(key);
    if (id < 0) return this.others?.get(key);
    return this.hasId(id) ? { line: this.line(id), start: this.start(id), end: this.end(id) } : undefined;
  }

  hasId(id: number): boolean {
    return this.spans[3 * id] !== 0;
  }

  /** The line of key `id`, 0 when the block has none. */
  line(id: number): number {
    return this.spans[3 * id];
  }

  start(id: number): number {
    return this.spans[3 * id + 1];
  }

  end(id: number): number {
    return this.spans[3 * id + 2];
  }
}

/** The key=value lines of one tree block, read as spans of the text, and their decoding. */
export class BlockValues {
  constructor(
    private readonly text: string,
    readonly index: number,
    readonly headerLine: number,
    readonly keys: TreeKeys,
  ) {}

  /** Reads the lines after the Tree= line up to a blank line, the next tree or the end. */
  static read(lines: LineReader, index: number): BlockValues {
    const { text } = lines;
    const headerLine = lines.number;
    const keys = new TreeKeys();
    let next = 0; // the id of the key LightGBM writes after the last line's
    while (lines.advance() && !lines.isBlank() && !lines.isTreeBoundary()) {
      let id: number;
      let eq: number;
      if (next < KEY_PREFIXES.length && text.startsWith(KEY_PREFIXES[next], lines.start)) {
        // (a "key=" cannot match across the line's end: no key holds a line break)
        id = next;
        eq = lines.start + KEY_PREFIXES[next].length - 1;
      } else {
        eq = lines.equalsSign();
        if (eq <= lines.start) blockError(lines, index, `expected key=value, found "${preview(lines.line())}"`);
        id = treeKeyId(text, lines.start, eq);
      }
      next = id + 1;
      const key = id >= 0 ? TREE_KEYS[id] : text.slice(lines.start, eq);
      if (id >= 0 ? keys.hasId(id) : keys.has(key)) blockError(lines, index, `${key} appears twice`);
      if (keys.size >= MAX_TREE_KEYS) blockError(lines, index, "too many lines (a blank line must end each tree)");
      keys.add(id, key, lines.number, eq + 1, lines.end);
    }
    return new BlockValues(text, index, headerLine, keys);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The value of a key holding one integer in [min, max]. */
  integer(key: string, min: number, max: number): number {
    const id = this.find(key, true);
    return readInteger(this.text, this.keys.start(id), this.keys.end(id), new KeySource(this, key), min, max);
  }

  /**
   * The integers of key's list, each in [min, max], `expected` of them when given. An optional key
   * (required false) that is missing reads as an empty list.
   */
  integers(key: string, min: number, max: number, expected?: number, what?: string, required = true): Int32Array {
    const id = this.find(key, required);
    const start = id < 0 ? 0 : this.keys.start(id);
    const end = id < 0 ? 0 : this.keys.end(id);
    const out = new Int32Array(Math.min(expected ?? Infinity, maxTokens(start, end)));
    const count = readIntegerList(out, this.text, start, end, new KeySource(this, key), min, max);
    if (expected === undefined) return out.subarray(0, count);
    this.checkLength(key, count, expected, what!);
    return out;
  }

  /** The numbers of key's list, `expected` of them. */
  doubles(key: string, expected: number, what: string, required = true): Float64Array {
    const id = this.find(key, required);
    const start = id < 0 ? 0 : this.keys.start(id);
    const end = id < 0 ? 0 : this.keys.end(id);
    const out = new Float64Array(Math.min(expected, maxTokens(start, end)));
    this.checkLength(key, readDoubleList(out, this.text, start, end, new KeySource(this, key)), expected, what);
    return out;
  }

  /** Whether key's line, which must be there, is long enough for `expected` values (a character and a space each). */
  hasRoom(key: string, expected: number): boolean {
    const id = this.find(key, true);
    return maxTokens(this.keys.start(id), this.keys.end(id)) >= expected;
  }

  /** The id of `key` (one of LightGBM's), or -1 when the block lacks it and it is not required. */
  private find(key: string, required: boolean): number {
    const id = keyId(key);
    if (this.keys.hasId(id)) return id;
    if (required) throw new ModelFormatError(`Tree=${this.index} has no ${key}= line`, this.headerLine);
    return -1;
  }

  /** The line of `key`, or the Tree= line when the block has no such key. */
  lineOf(key: string): number {
    return this.keys.get(key)?.line ?? this.headerLine;
  }

  /** A list is read in full (every token checked) before its length is. */
  private checkLength(key: string, count: number, expected: number, what: string): void {
    if (count !== expected) wrongListLength(this.index, key, count, expected, what, this.lineOf(key));
  }
}

/** A tree's list read in full (every token checked) has `count` values where `expected` were due. */
export function wrongListLength(tree: number, key: string, count: number, expected: number, what: string, line: number): never {
  throw new ModelFormatError(`Tree=${tree}: ${key} has ${count} values, expected ${expected} (${what})`, line);
}

/** A problem with the current line of tree block `index`. */
function blockError(lines: LineReader, index: number, problem: string): never {
  throw new ModelFormatError(`Tree=${index}: ${problem}`, lines.number);
}

/** Where a tree's list is, for error messages: "Tree=3 leaf_value" at its line, worded only when needed. */
class KeySource implements ListSource {
  constructor(
    private readonly block: BlockValues,
    private readonly name: string,
  ) {}

  get key(): string {
    return `Tree=${this.block.index} ${this.name}`;
  }

  get line(): number {
    return this.block.lineOf(this.name);
  }
}

function readLinearLeaves(block: BlockValues, numLeaves: number, numFeatures: number): LinearLeaves {
  // LightGBM defaults: no leaf_const means 0, no num_features means no terms.
  const leafConst = block.has("leaf_const") ? block.doubles("leaf_const", numLeaves, "num_leaves") : new Float64Array(numLeaves);
  const perLeaf = block.has("num_features")
    ? block.integers("num_features", 0, numFeatures, numLeaves, "num_leaves")
    : new Int32Array(numLeaves);
  const total = perLeaf.reduce((sum, n) => sum + n, 0);
  // Each leaf's list is followed by an extra space; the counts, not the spacing, split them.
  const features = total > 0 || block.has("leaf_features")
    ? block.integers("leaf_features", 0, numFeatures - 1, total, "the sum of num_features", false)
    : new Int32Array(0);
  const coeffs = total > 0 || block.has("leaf_coeff")
    ? block.doubles("leaf_coeff", total, "the sum of num_features", false)
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

/** After "end of trees" (the current line): the parameters section and the Python package's pandas_categorical line. */
function readTrailer(lines: LineReader): {
  linearTreeParameter: boolean;
  categoricalFeatureParameter: number[] | null;
  pandasCategorical: unknown;
} {
  let linearTreeParameter = false;
  let categoricalFeatureParameter: number[] | null = null;
  let pandasCategorical: unknown = null;
  let inParameters = false;
  while (lines.advance()) {
    const text = lines.line();
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
        throw new ModelFormatError("pandas_categorical: is not valid JSON", lines.number);
      }
      if (pandasCategorical !== null && !isListOfLists(pandasCategorical)) {
        throw new ModelFormatError("pandas_categorical: expected null or a list of category lists", lines.number);
      }
    }
  }
  return { linearTreeParameter, categoricalFeatureParameter, pandasCategorical };
}

function isListOfLists(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.every((item) => Array.isArray(item));
}
