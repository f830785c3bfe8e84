// Malformed, truncated, corrupt and unsupported model files. Every bad file here is a real fixture
// with its text edited, and each must be refused with a ModelFormatError whose message names the
// problem (and whose .line points at it, where there is a line): never another kind of exception,
// never a hang, never a model that loads and scores something LightGBM would not.
import { expect } from "chai";
import { gzipSync } from "node:zlib";
import { ModelFormatError } from "../src/model/errors";
import { loadModel, type Model } from "../src/model/load-model";
import { type PredictionType, Scorer, UnsupportedRequestError } from "../src/scorer";
import { fixtureCase, readInputs } from "./support/fixtures";
import { prng } from "./support/prng";

// ------------------------------------------------------------------------------------------ fixtures

const ADULT = fixtureCase("golden/adult_binary");
const adult = ADULT.text("model.txt");
const categoricalWide = fixtureCase("golden/categorical_wide").text("model.txt");
const multiclass = fixtureCase("golden/multiclass").text("model.txt");
const linearTree = fixtureCase("golden/linear_tree").text("model.txt");
const mtpl2 = fixtureCase("peer-models/mtpl2").text("model.txt");

/** A few of adult_binary's X rows plus an all-NaN and an all-zero row. */
const ADULT_ROWS = (() => {
  const { rows, names } = readInputs(ADULT);
  const width = names.length;
  const sample = new Float64Array(5 * width);
  sample.set(rows.subarray(0, 3 * width));
  sample.fill(NaN, 3 * width, 4 * width);
  return { rows: sample, numRows: 5 };
})();

// ----------------------------------------------------------------------------------- text editing
// Lines are 1-based, as in ModelFormatError.line.

function lineCount(text: string): number {
  return text.split("\n").length;
}

/** The first line at or after `from` for which `match` holds (a string matches as a line prefix). */
function lineOf(text: string, match: string | ((line: string) => boolean), from = 1): number {
  const test = typeof match === "string" ? (line: string) => line.startsWith(match) : match;
  const lines = text.split("\n");
  for (let i = from - 1; i < lines.length; i++) if (test(lines[i])) return i + 1;
  throw new Error(`test setup: no line matching ${String(match)} from line ${from}`);
}

/** Replaces line `line` by the given lines (none: deletes it). */
function replaceLine(text: string, line: number, ...replacement: string[]): string {
  const lines = text.split("\n");
  lines.splice(line - 1, 1, ...replacement);
  return lines.join("\n");
}

function deleteLine(text: string, line: number): string {
  return replaceLine(text, line);
}

/** Inserts lines before line `line`. */
function insertLines(text: string, line: number, inserted: string[]): string {
  const lines = text.split("\n");
  lines.splice(line - 1, 0, ...inserted);
  return lines.join("\n");
}

function lineText(text: string, line: number): string {
  return text.split("\n")[line - 1];
}

function truncateAt(text: string, byteOffset: number): string {
  return Buffer.from(text, "utf8").subarray(0, byteOffset).toString("utf8");
}

function treeHeaderLine(text: string, tree: number): number {
  return lineOf(text, (line) => line === `Tree=${tree}`);
}

/** Lines of tree `tree`'s block: its Tree= line up to (not including) the next Tree= / end of trees. */
function treeBlock(text: string, tree: number): { first: number; end: number } {
  const first = treeHeaderLine(text, tree);
  const end = lineOf(text, (line) => line.startsWith("Tree=") || line === "end of trees", first + 1);
  return { first, end };
}

/** The line of `key=` inside tree `tree`. */
function treeKeyLine(text: string, tree: number, key: string): number {
  const { first, end } = treeBlock(text, tree);
  const line = lineOf(text, `${key}=`, first + 1);
  if (line >= end) throw new Error(`test setup: Tree=${tree} has no ${key}= line`);
  return line;
}

/** The space-separated values of `key=` in tree `tree`. */
function treeValues(text: string, tree: number, key: string): string[] {
  const value = lineText(text, treeKeyLine(text, tree, key)).slice(key.length + 1);
  return value === "" ? [] : value.split(" ");
}

/** Rewrites the values of `key=` in tree `tree`; returns the new text and the edited line. */
function editTree(text: string, tree: number, key: string, edit: (values: string[]) => string[] | void): { text: string; line: number } {
  const line = treeKeyLine(text, tree, key);
  const values = treeValues(text, tree, key);
  const edited = edit(values) ?? values;
  return { text: replaceLine(text, line, `${key}=${edited.join(" ")}`), line };
}

/** Sets one value of `key=` in tree `tree`. */
function setTreeValue(text: string, tree: number, key: string, position: number, value: string): { text: string; line: number } {
  return editTree(text, tree, key, (values) => {
    values[position] = value;
  });
}

function setHeader(text: string, key: string, value: string): { text: string; line: number } {
  const line = lineOf(text, `${key}=`);
  return { text: replaceLine(text, line, `${key}=${value}`), line };
}

// ------------------------------------------------------------------------------------ expectations

/** loadModel(text) must throw a ModelFormatError matching `pattern`, at `line` when given. */
function expectModelError(text: string, pattern: RegExp, line?: number): ModelFormatError {
  let error: unknown;
  try {
    loadModel(text);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ModelFormatError)) {
    expect.fail(error === undefined ? "the model loaded" : `expected a ModelFormatError, got ${(error as Error)?.stack ?? String(error)}`);
  }
  expect(error.message).to.match(pattern);
  if (line !== undefined) {
    expect(error.line, error.message).to.equal(line);
    expect(error.message.startsWith(`line ${line}: `), error.message).to.equal(true);
  }
  return error;
}

/** Milliseconds `f` takes. */
function timed(f: () => void): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

const ENGINES = ["wasm", "js"] as const;
const ALL_TYPES: PredictionType[] = ["normal", "raw", "contrib", "leaf"];

/** Every output type of both engines, for comparing two models that must score identically. */
function allOutputs(model: Model, rows: Float64Array, numRows: number): Float64Array[] {
  return ENGINES.flatMap((engine) => {
    const scorer = new Scorer(model, engine);
    return ALL_TYPES.map((type) => scorer.predict(rows, numRows, { type }).values);
  });
}

/** Index and values of the first element that differs (Object.is), or null. */
function firstDifference(a: Float64Array, b: Float64Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `value ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

function expectSameOutputs(actual: Model, expected: Model, rows: Float64Array, numRows: number): void {
  const a = allOutputs(actual, rows, numRows);
  const b = allOutputs(expected, rows, numRows);
  a.forEach((values, i) => expect(firstDifference(values, b[i]), `output ${i}`).to.equal(null));
}


function randomInt(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

// ----------------------------------------------------------------------------------------- tests

describe("model files that are not LightGBM text models", () => {
  it("the unmodified fixtures used below load (the edits, not the fixtures, break them)", () => {
    for (const text of [adult, categoricalWide, multiclass, linearTree, mtpl2]) loadModel(text);
  });

  it("an empty or blank file", () => {
    for (const text of ["", "\n", "\r\n", "   \n\n"]) expectModelError(text, /the model file is empty/);
  });

  it("binary garbage", () => {
    const random = prng(7);
    const bytes = Buffer.from(Array.from({ length: 4096 }, () => randomInt(random, 256)));
    expectModelError(bytes.toString("latin1"), /expected "tree"/, 1);
    expectModelError(bytes.toString("utf8"), /expected "tree"/, 1);
    expectModelError("\0".repeat(1000), /expected "tree"/, 1);
    // the model gzipped but not decompressed
    expectModelError(gzipSync(adult).toString("latin1"), /expected "tree" \(the first line of a LightGBM text model\)/, 1);
    // the right first line, then garbage: no header
    expectModelError(`tree\n${bytes.toString("latin1")}`, /the header has no version= line/);
  });

  it("a JSON dump (dump_model) instead of the text model", () => {
    const dump = {
      name: "tree",
      version: "v4",
      num_class: 1,
      num_tree_per_iteration: 1,
      max_feature_idx: 11,
      objective: "binary sigmoid:1",
      tree_info: [{ tree_index: 0, num_leaves: 2, tree_structure: { split_feature: 0, threshold: 1, left_child: { leaf_value: 0 } } }],
    };
    expectModelError(JSON.stringify(dump, null, 2), /expected "tree" \(the first line of a LightGBM text model\), found "\{"/, 1);
    expectModelError(JSON.stringify(dump), /expected "tree".*found "\{"name":"tree"/, 1);
  });

  it("a first line that is not `tree`", () => {
    for (const first of ["Tree", "tree ", "trees", "TREE", "version=v4"]) {
      expectModelError(replaceLine(adult, 1, first), new RegExp(`expected "tree".*found "${first}"`), 1);
    }
    expectModelError(deleteLine(adult, 1), /expected "tree".*found "version=v4"/, 1);
  });
});

describe("the header", () => {
  it("a missing version= line", () => {
    expectModelError(deleteLine(adult, lineOf(adult, "version=")), /the header has no version= line/);
  });

  it("an unsupported version", () => {
    for (const version of ["v1", "v5", "v10", "V4", "4", "v4.0", ""]) {
      const { text, line } = setHeader(adult, "version", version);
      expectModelError(text, new RegExp(`unsupported model version "${version.replace(".", "\\.")}" \\(this scorer reads v2, v3 and v4\\)`), line);
    }
  });

  for (const key of ["num_class", "max_feature_idx", "feature_names", "feature_infos"]) {
    it(`a missing ${key}= line`, () => {
      expectModelError(deleteLine(adult, lineOf(adult, `${key}=`)), new RegExp(`the header has no ${key}= line`));
    });
  }

  it("feature_names and feature_infos counts that do not match max_feature_idx + 1", () => {
    const names = setHeader(adult, "feature_names", lineText(adult, lineOf(adult, "feature_names=")).slice(14).split(" ").slice(1).join(" "));
    expectModelError(names.text, /feature_names lists 11 names but max_feature_idx=11 means 12 features/, names.line);
    const extraName = replaceLine(adult, lineOf(adult, "feature_names="), `${lineText(adult, lineOf(adult, "feature_names="))} Extra`);
    expectModelError(extraName, /feature_names lists 13 names but max_feature_idx=11 means 12 features/, lineOf(adult, "feature_names="));
    const maxIdx = setHeader(adult, "max_feature_idx", "12");
    expectModelError(maxIdx.text, /feature_names lists 12 names but max_feature_idx=12 means 13 features/, lineOf(adult, "feature_names="));
    const infos = replaceLine(adult, lineOf(adult, "feature_infos="), `${lineText(adult, lineOf(adult, "feature_infos="))} [0:1]`);
    expectModelError(infos, /feature_infos has 13 entries but the model has 12 features/, lineOf(adult, "feature_infos="));
  });

  it("header numbers that are not integers in range", () => {
    const cases: [string, string, RegExp][] = [
      ["num_class", "abc", /num_class: value 1 is "abc", expected an integer/],
      ["num_class", "1.0", /num_class: value 1 is "1\.0", expected an integer/],
      ["num_class", "", /num_class: value 1 is "", expected an integer/],
      ["num_class", "0", /num_class: value 1 is "0", expected an integer in \[1, /],
      ["num_tree_per_iteration", "0x1", /num_tree_per_iteration: value 1 is "0x1", expected an integer/],
      ["max_feature_idx", "-1", /max_feature_idx: value 1 is "-1", expected an integer in \[0, /],
      ["max_feature_idx", "11.5", /max_feature_idx: value 1 is "11\.5", expected an integer/],
      ["max_feature_idx", "99999999999999999999", /max_feature_idx: value 1 is "99999999999999999999", expected an integer/],
    ];
    for (const [key, value, pattern] of cases) {
      const { text, line } = setHeader(adult, key, value);
      expectModelError(text, pattern, line);
    }
  });

  it("num_class that does not match num_tree_per_iteration", () => {
    const binary = setHeader(adult, "num_class", "2");
    expectModelError(binary.text, /num_tree_per_iteration=1 does not match num_class=2/, lineOf(adult, "num_tree_per_iteration="));
    const fewer = setHeader(multiclass, "num_class", "4");
    expectModelError(fewer.text, /num_tree_per_iteration=5 does not match num_class=4/, lineOf(multiclass, "num_tree_per_iteration="));
    const more = setHeader(multiclass, "num_tree_per_iteration", "6");
    expectModelError(more.text, /num_tree_per_iteration=6 does not match num_class=5/, more.line);
    // without the line, LightGBM takes num_class trees per iteration
    const model = loadModel(deleteLine(multiclass, lineOf(multiclass, "num_tree_per_iteration=")));
    expect(model.layout.numClass).to.equal(5);
  });

  it("a huge max_feature_idx with the real feature list fails fast", () => {
    const { text } = setHeader(adult, "max_feature_idx", String((1 << 24) - 2));
    const ms = timed(() => expectModelError(text, /feature_names lists 12 names but max_feature_idx=16777214/, lineOf(adult, "feature_names=")));
    expect(ms).to.be.below(1000);
  });
});

describe("truncated files", () => {
  const endOfTrees = adult.indexOf("\nend of trees") + 1;
  const trailerStart = endOfTrees + "end of trees".length;

  /** A file cut inside the trees must fail on the tree that was cut (or on the missing next tree). */
  function expectTruncationError(offset: number): void {
    const cut = truncateAt(adult, offset);
    const error = expectModelError(
      cut,
      /truncated|has no \w+= line|has \d+ values, expected|value \d+ is "[^"]*", expected|expected key=value|"Tree=\d*" where Tree=\d+ was expected|feature_names lists|feature_infos has|empty|expected "tree"|unsupported model version/,
    );
    const lines = cut.split("\n");
    let lastTreeLine = lines.length;
    while (lastTreeLine > 0 && !lines[lastTreeLine - 1].startsWith("Tree=")) lastTreeLine--;
    if (lastTreeLine > 0) {
      // the error points into the tree that was cut (or just after it)
      expect(error.line, error.message).to.be.a("number");
      expect(error.line!, error.message).to.be.at.least(lastTreeLine);
      expect(error.line!, error.message).to.be.at.most(lines.length);
    }
  }

  it("at every 1/50th of adult_binary's text", () => {
    for (let k = 0; k < 50; k++) {
      const offset = Math.floor((k * adult.length) / 50);
      expect(offset).to.be.below(endOfTrees); // the trailer is the last ~1%
      expectTruncationError(offset);
    }
  });

  it("inside the header", () => {
    for (const key of ["version=", "num_class=", "max_feature_idx=", "feature_names=", "feature_infos=", "tree_sizes="]) {
      const start = adult.indexOf(`\n${key}`) + 1;
      for (const offset of [start, start + key.length, start + key.length + 3]) expectTruncationError(offset);
    }
  });

  it("at every line and inside every line of the last tree", () => {
    const { first, end } = treeBlock(adult, 99);
    const lines = adult.split("\n");
    let offset = lines.slice(0, first - 1).join("\n").length + 1;
    for (let line = first; line < end; line++) {
      const length = lines[line - 1].length;
      for (const cut of [0, 1, length >> 1, length - 1, length, length + 1]) expectTruncationError(offset + cut);
      offset += length + 1;
    }
  });

  it("just before and inside `end of trees`", () => {
    const last = expectModelError(truncateAt(adult, endOfTrees), /expected "Tree=100" or "end of trees" but the file ends: the file is truncated or corrupt/);
    expect(last.line).to.equal(lineOf(adult, "end of trees") - 1);
    expectModelError(truncateAt(adult, endOfTrees - 1), /expected "Tree=100" or "end of trees" but the file ends/);
    for (const cut of [1, 6, 11]) {
      expectModelError(truncateAt(adult, endOfTrees + cut), new RegExp(`found "${"end of trees".slice(0, cut)}": the file is truncated`), lineOf(adult, "end of trees"));
    }
  });

  it("inside the trailer after `end of trees` is still the whole model: it loads and scores identically", () => {
    const full = loadModel(adult);
    const trailer = adult.length - trailerStart;
    const offsets = [trailerStart, trailerStart + 1, adult.indexOf("feature_importances:") + 5, adult.indexOf("parameters:") + 3, adult.indexOf("end of parameters") + 4];
    for (let k = 1; k < 10; k++) offsets.push(trailerStart + Math.floor((k * trailer) / 10));
    for (const offset of offsets) {
      const model = loadModel(truncateAt(adult, offset));
      expect(model.file.trees.length).to.equal(100);
      expectSameOutputs(model, full, ADULT_ROWS.rows, ADULT_ROWS.numRows);
    }
  });

  it("a file whose line endings became CRLF still loads identically (the edits above are not about line endings)", () => {
    expectSameOutputs(loadModel(adult.replace(/\n/g, "\r\n")), loadModel(adult), ADULT_ROWS.rows, ADULT_ROWS.numRows);
  });
});

describe("tree blocks: lines, blocks and numbering", () => {
  const REQUIRED = ["num_leaves", "num_cat", "split_feature", "threshold", "left_child", "right_child", "leaf_value", "cat_boundaries", "cat_threshold"];

  for (const key of REQUIRED) {
    it(`a deleted ${key}= line`, () => {
      expectModelError(deleteLine(adult, treeKeyLine(adult, 3, key)), new RegExp(`Tree=3 has no ${key}= line`), treeHeaderLine(adult, 3));
    });
  }

  it("a duplicated line", () => {
    for (const key of ["left_child", "threshold", "leaf_value", "num_leaves"]) {
      const line = treeKeyLine(adult, 7, key);
      const text = insertLines(adult, line + 1, [lineText(adult, line)]);
      expectModelError(text, new RegExp(`Tree=7: ${key} appears twice`), line + 1);
    }
  });

  it("a line that is not key=value, a blank line inside a tree, too many lines", () => {
    const line = treeKeyLine(adult, 4, "leaf_value");
    expectModelError(insertLines(adult, line, ["garbage"]), /Tree=4: expected key=value, found "garbage"/, line);
    expectModelError(insertLines(adult, line, ["=1 2 3"]), /Tree=4: expected key=value, found "=1 2 3"/, line);
    // a blank line ends the block early: the rest of the tree is where Tree=5 should be
    expectModelError(insertLines(adult, line, [""]), /Tree=4 has no leaf_value= line/, treeHeaderLine(adult, 4));
    const junk = Array.from({ length: 40 }, (_, i) => `junk_${i}=1`);
    expectModelError(insertLines(adult, line, junk), /Tree=4: too many lines \(a blank line must end each tree\)/);
  });

  it("a duplicated whole tree block", () => {
    const { first, end } = treeBlock(adult, 5);
    const block = adult.split("\n").slice(first - 1, end - 1);
    const text = insertLines(adult, end, block);
    expectModelError(text, /found "Tree=5" where Tree=6 was expected/, end);
  });

  it("a deleted tree block", () => {
    const { first, end } = treeBlock(adult, 50);
    const lines = adult.split("\n");
    lines.splice(first - 1, end - first);
    expectModelError(lines.join("\n"), /found "Tree=51" where Tree=50 was expected/, first);
  });

  it("wrong Tree=N numbering", () => {
    const cases: [number, string][] = [[0, "Tree=1"], [7, "Tree=8"], [7, "Tree=6"], [7, "Tree=07"], [7, "Tree=-7"], [7, "Tree="], [99, "Tree=x"]];
    for (const [tree, header] of cases) {
      const line = treeHeaderLine(adult, tree);
      expectModelError(replaceLine(adult, line, header), new RegExp(`found "${header}" where Tree=${tree} was expected`), line);
    }
    const line = treeHeaderLine(adult, 7);
    expectModelError(replaceLine(adult, line, "tree=7"), /expected "Tree=7" or "end of trees" but found "tree=7"/, line);
  });

  it("a missing `end of trees`", () => {
    const line = lineOf(adult, "end of trees");
    expectModelError(deleteLine(adult, line), /expected "Tree=100" or "end of trees" but found "feature_importances:"/);
  });

  it("no trees at all", () => {
    const lines = adult.split("\n");
    const first = treeHeaderLine(adult, 0);
    lines.splice(first - 1, lineOf(adult, "end of trees") - first);
    lines.splice(lineOf(adult, "tree_sizes=") - 1, 1);
    expectModelError(lines.join("\n"), /the model has no trees/);
  });
});

describe("numbers in tree lines", () => {
  const INTEGER_KEYS = ["split_feature", "decision_type", "left_child", "right_child", "leaf_count", "internal_count", "cat_boundaries", "cat_threshold"];
  const DOUBLE_KEYS = ["threshold", "leaf_value"];

  it("garbage instead of a number", () => {
    for (const key of [...INTEGER_KEYS, ...DOUBLE_KEYS, "num_leaves", "num_cat"]) {
      const position = key.startsWith("num_") ? 0 : 2;
      const expected = DOUBLE_KEYS.includes(key) ? "a number" : "an integer";
      // and characters whose low byte is a digit, a dot or a space (ı is U+0131, Ġ U+0120, ٥ an Arabic 5)
      for (const garbage of ["abc", "1.2.3", "0x10", "1e", "--1", "+-1", "1,5", "∞", "1\u0131", "\u012e5", "2\u01202", "\u0665", "1\u{1d7ce}"]) {
        const { text, line } = setTreeValue(adult, 0, key, position, garbage);
        const shown = garbage.replace(/[.+]/g, "\\$&");
        expectModelError(text, new RegExp(`Tree=0 ${key}: value ${position + 1} is "${shown}", expected ${expected}`), line);
      }
    }
  });

  it("an empty value (a doubled space, an empty num_leaves=)", () => {
    for (const key of [...INTEGER_KEYS, ...DOUBLE_KEYS].filter((k) => k !== "cat_threshold")) {
      const { text, line } = setTreeValue(adult, 0, key, 2, "");
      expectModelError(text, new RegExp(`Tree=0: ${key} has \\d+ values, expected`), line);
    }
    // cat_threshold's length is whatever cat_boundaries says
    const words = setTreeValue(adult, 0, "cat_threshold", 1, "");
    expectModelError(words.text, /Tree=0: cat_boundaries ends at 3 but cat_threshold has 2 words/, words.line);
    for (const key of ["num_leaves", "num_cat"]) {
      const { text, line } = setTreeValue(adult, 0, key, 0, "");
      expectModelError(text, new RegExp(`Tree=0 ${key}: value 1 is "", expected an integer`), line);
    }
  });

  it("integers with fractions where integers are required", () => {
    for (const key of [...INTEGER_KEYS, "num_leaves", "num_cat"]) {
      const position = key.startsWith("num_") ? 0 : 1;
      const { text, line } = editTree(adult, 0, key, (values) => {
        values[position] = `${values[position]}.0`;
      });
      expectModelError(text, new RegExp(`Tree=0 ${key}: value ${position + 1} is "-?\\d+\\.0", expected an integer`), line);
    }
    const half = setTreeValue(adult, 0, "left_child", 3, "3.5");
    expectModelError(half.text, /Tree=0 left_child: value 4 is "3\.5", expected an integer/, half.line);
    const exponent = setTreeValue(adult, 0, "split_feature", 0, "1e1");
    expectModelError(exponent.text, /Tree=0 split_feature: value 1 is "1e1", expected an integer/, exponent.line);
  });

  it("integers out of their range", () => {
    const cases: [string, number, string, RegExp][] = [
      ["num_leaves", 0, "0", /value 1 is "0", expected an integer in \[1, 2147483647\]/],
      ["num_leaves", 0, "2147483648", /value 1 is "2147483648", expected an integer in \[1, 2147483647\]/],
      ["num_cat", 0, "-1", /value 1 is "-1", expected an integer in \[0, 2147483647\]/],
      ["decision_type", 0, "16", /value 1 is "16", expected an integer in \[0, 15\]/],
      ["decision_type", 0, "-1", /value 1 is "-1", expected an integer in \[0, 15\]/],
      ["leaf_count", 4, "-1", /value 5 is "-1", expected an integer in \[0, 2147483647\]/],
      ["internal_count", 4, "2147483648", /value 5 is "2147483648", expected an integer in \[0, 2147483647\]/],
      ["cat_threshold", 1, "4294967296", /value 2 is "4294967296", expected an integer in \[0, 4294967295\]/],
      ["cat_boundaries", 1, "-1", /value 2 is "-1", expected an integer in \[0, 2147483647\]/],
      ["left_child", 1, "-2147483648", /value 2 is "-2147483648", expected an integer in \[-2147483647, 2147483647\]/],
      ["is_linear", 0, "2", /value 1 is "2", expected an integer in \[0, 1\]/],
    ];
    for (const [key, position, value, pattern] of cases) {
      const { text, line } = setTreeValue(adult, 0, key, position, value);
      expectModelError(text, new RegExp(`Tree=0 ${key}: ${pattern.source}`), line);
    }
  });
});

describe("list lengths", () => {
  const SPLIT_KEYS = ["split_feature", "threshold", "decision_type", "left_child", "right_child", "internal_count"];
  const LEAF_KEYS = ["leaf_value", "leaf_count"];

  for (const [delta, name] of [[1, "one value too many"], [-1, "one value too few"]] as const) {
    it(`${name}`, () => {
      const lengthChange = (values: string[]) => {
        if (delta > 0) values.push(values[values.length - 1]);
        else values.pop();
      };
      for (const key of SPLIT_KEYS) {
        const { text, line } = editTree(adult, 2, key, lengthChange);
        expectModelError(text, new RegExp(`Tree=2: ${key} has ${30 + delta} values, expected 30 \\(num_leaves - 1\\)`), line);
      }
      for (const key of LEAF_KEYS) {
        const { text, line } = editTree(adult, 2, key, lengthChange);
        expectModelError(text, new RegExp(`Tree=2: ${key} has ${31 + delta} values, expected 31 \\(num_leaves\\)`), line);
      }
      const numCat = Number(treeValues(adult, 2, "num_cat")[0]);
      const bounds = editTree(adult, 2, "cat_boundaries", lengthChange);
      expectModelError(bounds.text, new RegExp(`Tree=2: cat_boundaries has ${numCat + 1 + delta} values, expected ${numCat + 1} \\(num_cat \\+ 1\\)`), bounds.line);
    });
  }

  it("num_leaves or num_cat off by one", () => {
    const leaves = setTreeValue(adult, 2, "num_leaves", 0, "30");
    expectModelError(leaves.text, /Tree=2: leaf_value has 31 values, expected 30 \(num_leaves\)/, treeKeyLine(adult, 2, "leaf_value"));
    const numCat = Number(treeValues(adult, 2, "num_cat")[0]);
    const cats = setTreeValue(adult, 2, "num_cat", 0, String(numCat + 1));
    expectModelError(cats.text, new RegExp(`Tree=2: cat_boundaries has ${numCat + 1} values, expected ${numCat + 2}`), treeKeyLine(adult, 2, "cat_boundaries"));
  });

  it("a huge num_leaves or num_cat with normal-size lists fails fast, allocating nothing big", () => {
    for (const tree of [0, 99]) {
      for (const huge of ["2000000000", "2147483647"]) {
        const leaves = setTreeValue(adult, tree, "num_leaves", 0, huge);
        const before = process.memoryUsage().arrayBuffers;
        const ms = timed(() =>
          expectModelError(leaves.text, new RegExp(`Tree=${tree}: leaf_value has 31 values, expected ${huge} \\(num_leaves\\)`), treeKeyLine(adult, tree, "leaf_value")),
        );
        expect(ms).to.be.below(1000);
        expect(process.memoryUsage().arrayBuffers - before).to.be.below(256 << 20);
        const cats = setTreeValue(adult, tree, "num_cat", 0, huge);
        const catMs = timed(() => expectModelError(cats.text, new RegExp(`Tree=${tree}: cat_boundaries has \\d+ values, expected ${Number(huge) + 1}`)));
        expect(catMs).to.be.below(1000);
      }
    }
  });
});

describe("tree structure", () => {
  const left = () => treeValues(adult, 0, "left_child").map(Number);
  const right = () => treeValues(adult, 0, "right_child").map(Number);
  /** The slot (key and node) that names `child` in Tree=0. */
  const parentOf = (child: number): [string, number] => {
    const l = left().indexOf(child);
    return l >= 0 ? ["left_child", l] : ["right_child", right().indexOf(child)];
  };

  it("child indices out of range", () => {
    const cases: [string, number, string, RegExp][] = [
      ["left_child", 3, "30", /left_child of node 3 is 30, not a node \(1\.\.29\) or leaf \(-1\.\.-31\)/],
      ["right_child", 3, "2147483647", /right_child of node 3 is 2147483647, not a node \(1\.\.29\)/],
      ["left_child", 12, "-32", /left_child of node 12 is -32, but the tree has only 31 leaves/],
      ["right_child", 12, "-2147483647", /right_child of node 12 is -2147483647, but the tree has only 31 leaves/],
    ];
    expect(left()[12]).to.be.below(0); // node 12's children are leaves
    for (const [key, node, value, pattern] of cases) {
      const { text, line } = setTreeValue(adult, 0, key, node, value);
      expectModelError(text, new RegExp(`Tree=0: ${pattern.source}`), line);
    }
  });

  it("a child pointing to the root", () => {
    for (const [key, node] of [["left_child", 5], ["right_child", 0], ["left_child", 29]] as const) {
      const { text, line } = setTreeValue(adult, 0, key, node, "0");
      expectModelError(text, new RegExp(`Tree=0: ${key} of node ${node} is 0, not a node \\(1\\.\\.29\\)`), line);
    }
  });

  it("a cycle below the root", () => {
    // node 12 points back at its parent
    const [, parent] = parentOf(12);
    const { text, line } = setTreeValue(adult, 0, "left_child", 12, String(parent));
    expectModelError(text, new RegExp(`Tree=0: node ${parent} is reached twice \\(a cycle or a shared child\\)`), line);
  });

  it("two parents sharing a child", () => {
    const childLines = [treeKeyLine(adult, 0, "left_child"), treeKeyLine(adult, 0, "right_child")];
    // node 13's right leaf becomes node 12's left leaf
    const leaf = left()[12];
    expect(leaf).to.be.below(0);
    const sharedLeaf = setTreeValue(adult, 0, "right_child", 13, String(leaf));
    const leafError = expectModelError(sharedLeaf.text, new RegExp(`Tree=0: leaf ${~leaf} is reached twice`));
    expect(childLines).to.include(leafError.line);
    // node 5's right child becomes node 1's left child, a split
    const split = left()[1];
    const sharedSplit = setTreeValue(adult, 0, "right_child", 5, String(split));
    const splitError = expectModelError(sharedSplit.text, new RegExp(`Tree=0: node ${split} is reached twice`));
    expect(childLines).to.include(splitError.line);
  });

  it("an unreachable node", () => {
    // a split whose children are both leaves; its parent points at one of those leaves instead
    const s = left().findIndex((l, i) => i > 0 && l < 0 && right()[i] < 0);
    const [key, parent] = parentOf(s);
    const { text } = setTreeValue(adult, 0, key, parent, String(left()[s]));
    expectModelError(text, new RegExp(`Tree=0: node ${s} is not reachable from the root`), treeKeyLine(adult, 0, "left_child"));
  });

  it("split_feature outside the model's features", () => {
    for (const value of ["12", "-1", "16777215", "2147483647"]) {
      const { text, line } = setTreeValue(adult, 0, "split_feature", 4, value);
      expectModelError(text, new RegExp(`Tree=0 split_feature: value 5 is "${value}", expected an integer in \\[0, 11\\]`), line);
    }
  });

  it("a decision_type with missing type 3", () => {
    // node 1 is numeric (2), node 0 categorical (1)
    expect(treeValues(adult, 0, "decision_type").slice(0, 2)).to.deep.equal(["1", "2"]);
    for (const [node, value] of [[1, 12], [1, 14], [0, 13], [0, 15]]) {
      const { text, line } = setTreeValue(adult, 0, "decision_type", node, String(value));
      expectModelError(text, new RegExp(`Tree=0: decision_type ${value} of node ${node} has an unknown missing type`), line);
    }
  });
});

describe("categorical splits", () => {
  // adult Tree=0: node 0 is categorical (decision_type 1, category set 0), num_cat=3
  it("a category-set index that is not below num_cat, or not a whole number", () => {
    expect(treeValues(adult, 0, "num_cat")).to.deep.equal(["3"]);
    for (const value of ["3", "4", "2147483647", "-1", "0.5", "1.5", "nan", "inf"]) {
      const { text, line } = setTreeValue(adult, 0, "threshold", 0, value);
      expectModelError(text, new RegExp(`Tree=0: categorical node 0 names category set ${value === "inf" ? "Infinity" : value === "nan" ? "NaN" : value.replace(".", "\\.")}, but the tree has 3`), line);
    }
  });

  it("num_cat=0 with categorical splits", () => {
    const { text } = setTreeValue(adult, 0, "num_cat", 0, "0");
    expectModelError(text, /Tree=0: categorical node 0 names category set 0, but the tree has 0/, treeKeyLine(adult, 0, "threshold"));
  });

  it("cat_boundaries that do not start at 0, decrease, or end past or before cat_threshold", () => {
    expect(treeValues(adult, 0, "cat_boundaries")).to.deep.equal(["0", "1", "2", "3"]);
    const boundaryLine = treeKeyLine(adult, 0, "cat_boundaries");
    const thresholdLine = treeKeyLine(adult, 0, "cat_threshold");
    const cases: [string, RegExp, number][] = [
      ["1 1 2 3", /cat_boundaries must start at 0, found 1/, boundaryLine],
      ["0 2 1 3", /cat_boundaries decrease at position 3/, boundaryLine],
      ["0 1 2 4", /cat_boundaries ends at 4 but cat_threshold has 3 words/, thresholdLine],
      ["0 1 2 2", /cat_boundaries ends at 2 but cat_threshold has 3 words/, thresholdLine],
      ["0 1 2 2147483647", /cat_boundaries ends at 2147483647 but cat_threshold has 3 words/, thresholdLine],
    ];
    for (const [bounds, pattern, line] of cases) {
      expectModelError(replaceLine(adult, boundaryLine, `cat_boundaries=${bounds}`), new RegExp(`Tree=0: ${pattern.source}`), line);
    }
    const extraWord = editTree(adult, 0, "cat_threshold", (words) => void words.push("1"));
    expectModelError(extraWord.text, /Tree=0: cat_boundaries ends at 3 but cat_threshold has 4 words/, thresholdLine);
    const missingWord = editTree(adult, 0, "cat_threshold", (words) => void words.pop());
    expectModelError(missingWord.text, /Tree=0: cat_boundaries ends at 3 but cat_threshold has 2 words/, thresholdLine);
  });

  it("multi-word bitsets (categorical_wide): boundaries past the words, words missing", () => {
    const bounds = treeValues(categoricalWide, 0, "cat_boundaries").map(Number);
    const words = bounds[bounds.length - 1];
    expect(words).to.be.greaterThan(bounds.length); // several sets span more than one word
    const thresholdLine = treeKeyLine(categoricalWide, 0, "cat_threshold");
    const past = setTreeValue(categoricalWide, 0, "cat_boundaries", bounds.length - 1, String(words + 1));
    expectModelError(past.text, new RegExp(`Tree=0: cat_boundaries ends at ${words + 1} but cat_threshold has ${words} words`), thresholdLine);
    const short = editTree(categoricalWide, 0, "cat_threshold", (values) => values.slice(0, -2));
    expectModelError(short.text, new RegExp(`Tree=0: cat_boundaries ends at ${words} but cat_threshold has ${words - 2} words`), thresholdLine);
    const decrease = setTreeValue(categoricalWide, 0, "cat_boundaries", 2, String(bounds[1] - 1));
    expectModelError(decrease.text, /Tree=0: cat_boundaries decrease at position 3/, decrease.line);
  });
});

describe("tree counts", () => {
  it("tree_sizes listing more trees than the file holds (trees deleted, header kept)", () => {
    // like lleaves' model_small.txt: the first trees of a bigger model under its original header
    const lines = adult.split("\n");
    const first = treeHeaderLine(adult, 10);
    lines.splice(first - 1, lineOf(adult, "end of trees") - first);
    const text = lines.join("\n");
    expectModelError(text, /tree_sizes lists 100 trees but the file holds 10/, lineOf(adult, "tree_sizes="));
    // without tree_sizes it is a valid 10-tree model: the first 10 iterations of the full one
    const small = loadModel(deleteLine(text, lineOf(text, "tree_sizes=")));
    const full = new Scorer(loadModel(adult)).predict(ADULT_ROWS.rows, ADULT_ROWS.numRows, { numIteration: 10 });
    expect(firstDifference(new Scorer(small).predict(ADULT_ROWS.rows, ADULT_ROWS.numRows).values, full.values)).to.equal(null);
  });

  it("tree_sizes listing fewer trees than the file holds", () => {
    const sizes = lineText(adult, lineOf(adult, "tree_sizes=")).slice("tree_sizes=".length).split(" ");
    const { text, line } = setHeader(adult, "tree_sizes", sizes.slice(0, -1).join(" "));
    expectModelError(text, /tree_sizes lists 99 trees but the file holds 100/, line);
  });

  it("a number of trees that is not a multiple of num_tree_per_iteration (multiclass)", () => {
    const { first, end } = treeBlock(multiclass, 199);
    const lines = multiclass.split("\n");
    lines.splice(first - 1, end - first);
    const text = lines.join("\n");
    const endLine = lineOf(text, "end of trees");
    expectModelError(text, /199 trees is not a whole number of iterations of 5 trees: the file is truncated or corrupt/, endLine);
    expectModelError(deleteLine(text, lineOf(text, "tree_sizes=")), /199 trees is not a whole number of iterations of 5 trees/, endLine - 1);
  });
});

describe("objectives", () => {
  const objectiveLine = lineOf(adult, "objective=");

  it("an unknown objective name", () => {
    for (const name of ["binaryy", "regression_l3", "multiclass_softmax", "xentropy sigmoid:1", "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const { text, line } = setHeader(adult, "objective", name);
      expectModelError(text, new RegExp(`unknown objective "${name.split(" ")[0]}"`), line);
    }
  });

  it("binary without sigmoid:, or with a sigmoid that is not positive", () => {
    expectModelError(setHeader(adult, "objective", "binary").text, /objective "binary": no sigmoid:<value> parameter/, objectiveLine);
    expectModelError(setHeader(adult, "objective", "binary sigma:1").text, /no sigmoid:<value> parameter/, objectiveLine);
    for (const sigmoid of ["0", "-1", "-0.5", "abc", "", "nan", "1x"]) {
      const { text } = setHeader(adult, "objective", `binary sigmoid:${sigmoid}`);
      expectModelError(text, new RegExp(`sigmoid must be greater than zero, got "${sigmoid}"`), objectiveLine);
    }
  });

  it("an objective for one tree per iteration on a multiclass model, and the reverse", () => {
    expectModelError(setHeader(multiclass, "objective", "regression").text, /objective "regression": expects one tree per iteration, the model has 5/, objectiveLine);
    expectModelError(setHeader(multiclass, "objective", "binary sigmoid:1").text, /expects one tree per iteration, the model has 5/, objectiveLine);
    expectModelError(setHeader(adult, "objective", "multiclass num_class:5").text, /num_class:5 but the model has 1 trees per iteration/, objectiveLine);
  });

  it("multiclass with num_class that does not match num_tree_per_iteration", () => {
    for (const objective of ["multiclass num_class:4", "multiclass num_class:6", "multiclassova num_class:3 sigmoid:1"]) {
      const { text } = setHeader(multiclass, "objective", objective);
      expectModelError(text, /num_class:\d but the model has 5 trees per iteration/, objectiveLine);
    }
    for (const objective of ["multiclass", "multiclass num_class:", "multiclass num_class:five", "multiclass num_class:5.0"]) {
      expectModelError(setHeader(multiclass, "objective", objective).text, /no num_class:<n> parameter/, objectiveLine);
    }
    expectModelError(setHeader(multiclass, "objective", "multiclassova num_class:5").text, /no sigmoid:<value> parameter/, objectiveLine);
  });

  it("a bad pandas_categorical: line", () => {
    const withLine = (text: string, json: string) => `${text.replace(/\n?pandas_categorical:.*\n?$/, "")}\npandas_categorical:${json}\n`;
    for (const json of ["[[1, 2]", "[[\"a\", \"b\"]]]", "{", "", "nan", "[['a']]"]) {
      const text = withLine(adult, json);
      expectModelError(text, /pandas_categorical: is not valid JSON/, lineCount(text) - 1);
    }
    for (const json of ["{\"a\": [1]}", "[1, 2]", "[[1], 2]", "\"abc\"", "5"]) {
      const text = withLine(adult, json);
      expectModelError(text, /pandas_categorical: expected null or a list of category lists/, lineCount(text) - 1);
    }
    // mtpl2's real tables, cut short
    const tableLine = lineOf(mtpl2, "pandas_categorical:");
    expectModelError(replaceLine(mtpl2, tableLine, lineText(mtpl2, tableLine).slice(0, -1)), /pandas_categorical: is not valid JSON/, tableLine);
    expect(loadModel(withLine(adult, "null")).file.pandasCategorical).to.equal(null);
    expect(loadModel(withLine(adult, "[[\"a\"], [1, 2]]")).file.pandasCategorical).to.deep.equal([["a"], [1, 2]]);
  });
});

describe("linear trees (golden/linear_tree)", () => {
  // Tree=1: 15 leaves, num_features=3 each, leaf_features "0 1 2  0 1 2  ...", 6 model features
  const replaceValue = (key: string, edit: (value: string) => string) => {
    const line = treeKeyLine(linearTree, 1, key);
    const value = lineText(linearTree, line).slice(key.length + 1);
    return { text: replaceLine(linearTree, line, `${key}=${edit(value)}`), line };
  };

  it("num_features that do not add up to the leaf_features / leaf_coeff lengths", () => {
    expect(treeValues(linearTree, 1, "num_features")).to.deep.equal(Array(15).fill("3"));
    const featuresLine = treeKeyLine(linearTree, 1, "leaf_features");
    const more = setTreeValue(linearTree, 1, "num_features", 0, "4");
    expectModelError(more.text, /Tree=1: leaf_features has 45 values, expected 46 \(the sum of num_features\)/, featuresLine);
    const fewer = setTreeValue(linearTree, 1, "num_features", 14, "2");
    expectModelError(fewer.text, /Tree=1: leaf_features has 45 values, expected 44 \(the sum of num_features\)/, featuresLine);
    const coeff = replaceValue("leaf_coeff", (value) => value.replace(/^\S+ /, ""));
    expectModelError(coeff.text, /Tree=1: leaf_coeff has 44 values, expected 45 \(the sum of num_features\)/, coeff.line);
    const extraFeature = replaceValue("leaf_features", (value) => `${value} 1`);
    expectModelError(extraFeature.text, /Tree=1: leaf_features has 46 values, expected 45/, extraFeature.line);
    const noCounts = deleteLine(linearTree, treeKeyLine(linearTree, 1, "num_features"));
    expectModelError(noCounts, /Tree=1: leaf_features has 45 values, expected 0 \(the sum of num_features\)/, featuresLine - 1);
  });

  it("num_features or leaf_const with the wrong number of leaves", () => {
    const counts = editTree(linearTree, 1, "num_features", (values) => values.slice(1));
    expectModelError(counts.text, /Tree=1: num_features has 14 values, expected 15 \(num_leaves\)/, counts.line);
    const constants = editTree(linearTree, 1, "leaf_const", (values) => [...values, "0.5"]);
    expectModelError(constants.text, /Tree=1: leaf_const has 16 values, expected 15 \(num_leaves\)/, constants.line);
  });

  it("a leaf feature index out of range", () => {
    for (const bad of ["6", "-1", "2147483647", "1.0", "x"]) {
      const { text, line } = replaceValue("leaf_features", (value) => value.replace(/^0 1 2/, `0 1 ${bad}`));
      const expected = /^-?\d+$/.test(bad) ? "an integer in \\[0, 5\\]" : "an integer";
      expectModelError(text, new RegExp(`Tree=1 leaf_features: value 3 is "${bad.replace(".", "\\.")}", expected ${expected}`), line);
    }
    const count = setTreeValue(linearTree, 1, "num_features", 0, "7");
    expectModelError(count.text, /Tree=1 num_features: value 1 is "7", expected an integer in \[0, 6\]/, count.line);
  });

  it("garbage coefficients and constants", () => {
    const coeff = replaceValue("leaf_coeff", (value) => value.replace(/^\S+/, "1.2.3"));
    expectModelError(coeff.text, /Tree=1 leaf_coeff: value 1 is "1\.2\.3", expected a number/, coeff.line);
    const constant = setTreeValue(linearTree, 1, "leaf_const", 3, "0x10");
    expectModelError(constant.text, /Tree=1 leaf_const: value 4 is "0x10", expected a number/, constant.line);
  });
});

describe("random single-token corruptions of adult_binary's trees", () => {
  it("200 seeded corruptions: each is refused naming its tree, or loads and both engines agree bit for bit", function () {
    this.timeout(60_000);
    const random = prng(0x5eed);
    const lines = adult.split("\n");
    const firstTree = lines.indexOf("Tree=0");
    const endOfTrees = lines.indexOf("end of trees");
    // 0-based indices of the key=value lines of the trees; each tree's block is lines [first, end)
    const candidates: { index: number; tree: number }[] = [];
    const blockFirst: number[] = [];
    for (let i = firstTree; i < endOfTrees; i++) {
      if (lines[i].startsWith("Tree=")) blockFirst.push(i + 1);
      else if (lines[i].includes("=") && !lines[i].endsWith("=")) candidates.push({ index: i, tree: blockFirst.length - 1 });
    }
    const blockEnd = [...blockFirst.slice(1), endOfTrees + 1];
    const GARBAGE = ["abc", "1.2.3", "0x10", "", "-", "1e", "nan", "inf", "-inf", "1.5", "-0", "+1", "0.0", "1e300", "2147483648", "-2147483648", "4294967295"];
    const replacement = (): string => {
      switch (randomInt(random, 4)) {
        case 0:
          return String(randomInt(random, 81) - 40);
        case 1:
          return String(randomInt(random, 4001) - 2000);
        case 2:
          return String(randomInt(random, 2 ** 32) - 2 ** 31);
        default:
          return GARBAGE[randomInt(random, GARBAGE.length)];
      }
    };
    const engineResult = (model: Model, engine: "wasm" | "js", type: PredictionType): Float64Array | string => {
      try {
        return new Scorer(model, engine).predict(ADULT_ROWS.rows, ADULT_ROWS.numRows, { type }).values;
      } catch (e) {
        if (e instanceof ModelFormatError || e instanceof UnsupportedRequestError) return e.name;
        throw e;
      }
    };

    let refused = 0;
    let loaded = 0;
    for (let k = 0; k < 200; k++) {
      const target = candidates[randomInt(random, candidates.length)];
      const line = lines[target.index];
      const eq = line.indexOf("=");
      const values = line.slice(eq + 1).split(" ");
      const position = randomInt(random, values.length);
      let value = replacement();
      while (value === values[position]) value = replacement();
      const what = `#${k}: line ${target.index + 1} (Tree=${target.tree} ${line.slice(0, eq)}) value ${position + 1} "${values[position]}" -> "${value}"`;
      values[position] = value;
      const corrupt = [...lines.slice(0, target.index), `${line.slice(0, eq + 1)}${values.join(" ")}`, ...lines.slice(target.index + 1)].join("\n");

      let model: Model;
      try {
        model = loadModel(corrupt);
      } catch (e) {
        if (!(e instanceof ModelFormatError)) expect.fail(`${what}: ${(e as Error)?.stack ?? String(e)}`);
        expect(e.message, what).to.contain(`Tree=${target.tree}`);
        expect(e.line, `${what}: ${e.message}`).to.be.at.least(blockFirst[target.tree]);
        expect(e.line, `${what}: ${e.message}`).to.be.below(blockEnd[target.tree]);
        refused++;
        continue;
      }
      loaded++;
      for (const type of ["normal", "leaf", "contrib"] as const) {
        const wasm = engineResult(model, "wasm", type);
        const js = engineResult(model, "js", type);
        if (typeof wasm === "string" || typeof js === "string") {
          expect(wasm, `${what}, ${type}`).to.equal(js);
          continue;
        }
        expect(firstDifference(wasm, js), `${what}, ${type}`).to.equal(null);
      }
    }
    // both outcomes are exercised
    expect(refused).to.be.at.least(40);
    expect(loaded).to.be.at.least(40);
  });
});
