// LightGBM's scoring rules that the golden zoo does not show, on hand-written models whose expected
// outputs follow from LightGBM's source (tree.h NumericalDecision / CategoricalDecision, Tree::Predict,
// GBDT::Predict, each objective's ConvertOutput). Every check runs through both engines.
import { expect } from "chai";
import { exp, log1p } from "../src/math";
import { ModelFormatError } from "../src/model/errors";
import { loadModel, type Model } from "../src/model/load-model";
import { lightgbmAtof } from "../src/model/objective";
import { type PredictOptions, Scorer } from "../src/scorer";
import { fixtureCase, readInputs, readOutputs } from "./support/fixtures";
import { stumpModel, tinyModelText } from "./support/tiny-model";

const ENGINES = ["wasm", "js"] as const;
const K = 1.0000000180025095e-35; // kZeroThreshold, the float 1e-35f
const LEFT = 0;
const RIGHT = 1;

function nextUp(x: number): number {
  const view = new Float64Array([x]);
  const bits = new BigInt64Array(view.buffer);
  bits[0] += x >= 0 ? 1n : -1n;
  return view[0];
}

/** Scores single-feature rows (other features NaN) and returns one value per row per engine. */
function scoreEach(model: Model, rows: number[][], options: PredictOptions): Record<string, number[]> {
  const width = model.layout.numFeatures;
  const flat = rows.flatMap((row) => [...row, ...new Array(width - row.length).fill(NaN)]);
  return Object.fromEntries(
    ENGINES.map((engine) => [engine, Array.from(new Scorer(model, engine).predict(flat, rows.length, options).values)]),
  );
}

function expectLeaves(model: Model, cases: [number, number][]): void {
  const results = scoreEach(model, cases.map(([x]) => [x]), { type: "leaf" });
  for (const engine of ENGINES) {
    const got = cases.map(([x], i) => `${x} -> ${results[engine][i] === LEFT ? "left" : "right"}`);
    const want = cases.map(([x, side]) => `${x} -> ${side === LEFT ? "left" : "right"}`);
    expect(got, `${engine} engine`).to.deep.equal(want);
  }
}

describe("numeric splits: missing types and kZeroThreshold", () => {
  // decision_type bits: 1 categorical, 2 default left, (missing type << 2): 0 None, 1 Zero, 2 NaN
  it("missing type None: NaN is scored as 0.0, the default side is ignored", () => {
    for (const decision of [0, 2]) {
      expectLeaves(loadModel(stumpModel(decision, 0.5)), [[NaN, LEFT], [0, LEFT], [0.5, LEFT], [nextUp(0.5), RIGHT], [-Infinity, LEFT], [Infinity, RIGHT]]);
      expectLeaves(loadModel(stumpModel(decision, -0.5)), [[NaN, RIGHT], [0, RIGHT], [-1, LEFT]]);
    }
  });

  it("missing type Zero (zero_as_missing): zero and NaN take the default side", () => {
    expectLeaves(loadModel(stumpModel(6, 0.5)), [[0, LEFT], [NaN, LEFT], [K, LEFT], [-K, LEFT], [0.3, LEFT], [0.7, RIGHT], [-5, LEFT]]);
    expectLeaves(loadModel(stumpModel(4, 0.5)), [[0, RIGHT], [NaN, RIGHT], [1e-36, RIGHT], [-0, RIGHT], [0.3, LEFT], [0.7, RIGHT]]);
    expectLeaves(loadModel(stumpModel(6, -0.5)), [[0, LEFT], [NaN, LEFT], [-0.2, RIGHT], [-1, LEFT]]);
    expectLeaves(loadModel(stumpModel(4, -0.5)), [[0, RIGHT], [-1, LEFT], [nextUp(K), RIGHT]]);
  });

  it("missing type NaN: NaN takes the default side, zero is an ordinary value", () => {
    expectLeaves(loadModel(stumpModel(10, -0.5)), [[NaN, LEFT], [0, RIGHT], [-1, LEFT]]);
    expectLeaves(loadModel(stumpModel(8, 0.5)), [[NaN, RIGHT], [0, LEFT], [0.7, RIGHT]]);
  });

  it("inputs with |x| <= kZeroThreshold are read as +0, as LightGBM's row parsers drop them", () => {
    // threshold -0.5e-35 lies between -kZeroThreshold and 0: a value there is 0 for LightGBM, so right
    expectLeaves(loadModel(stumpModel(0, -0.5e-35)), [[-K, RIGHT], [-0.7e-35, RIGHT], [-nextUp(K), LEFT], [-0, RIGHT]]);
    expectLeaves(loadModel(stumpModel(0, K)), [[K, LEFT], [nextUp(K), RIGHT], [1e-40, LEFT]]);
  });
});

describe("categorical splits", () => {
  // category set: words [0b1010, 0b10] = categories 1, 3 and 33
  const model = (decisionType: number, words: number[]) =>
    loadModel(tinyModelText({
      features: ["c"],
      trees: [{ numLeaves: 2, splitFeature: [0], threshold: [0], decisionType: [decisionType], leftChild: [-1], rightChild: [-2], leafValue: [1, 2], categorySets: [words] }],
    }));

  it("a category goes left iff its bit is set; values are truncated toward zero", () => {
    for (const decision of [1, 9]) {
      expectLeaves(model(decision, [0b1010, 0b10]), [
        [1, LEFT], [3, LEFT], [33, LEFT], [1.99, LEFT], [33.9, LEFT],
        [0, RIGHT], [2, RIGHT], [32, RIGHT], [-0.5, RIGHT],
      ]);
    }
  });

  it("NaN, negative, out-of-bitset and out-of-int-range values go right", () => {
    expectLeaves(model(1, [0b1010, 0b10]), [
      [NaN, RIGHT], [-1, RIGHT], [-1000, RIGHT], [64, RIGHT], [1000, RIGHT],
      [Infinity, RIGHT], [-Infinity, RIGHT], [2147483648, RIGHT], [2 ** 32 + 1, RIGHT], [1e300, RIGHT],
    ]);
  });

  it("-0.5 and -0 are category 0", () => {
    expectLeaves(model(1, [1]), [[-0.5, LEFT], [-0, LEFT], [0.9, LEFT], [-1, RIGHT], [NaN, RIGHT]]);
  });
});

describe("linear trees", () => {
  const model = loadModel(tinyModelText({
    features: ["x", "y"],
    trees: [{
      numLeaves: 2, splitFeature: [0], threshold: [0], decisionType: [2], leftChild: [-1], rightChild: [-2], leafValue: [10, 20],
      linear: { leafConst: [1, 1e16], leafFeatures: [[0, 1], [1, 1]], leafCoeff: [[2, 3], [1, 1]] },
    }],
  }));

  it("constant + coefficients × features, added in stored order; a NaN feature falls back to the leaf value", () => {
    const rows = [[-1, 2], [-1, NaN], [NaN, 1], [1, 1], [1, NaN]];
    // (1e16 + 1) + 1 is 1e16 in doubles: the terms are added one by one, not summed first
    const expected = [1 - 2 + 6, 10, 10, 1e16, 20];
    const results = scoreEach(model, rows, { type: "raw" });
    for (const engine of ENGINES) expect(results[engine], engine).to.deep.equal(expected);
  });

  it("a one-leaf linear tree", () => {
    const single = loadModel(tinyModelText({
      features: ["x"],
      trees: [{ numLeaves: 1, leafValue: [7], linear: { leafConst: [0.5], leafFeatures: [[0]], leafCoeff: [[2]] } }],
    }));
    const results = scoreEach(single, [[3], [NaN]], { type: "raw" });
    for (const engine of ENGINES) expect(results[engine], engine).to.deep.equal([6.5, 7]);
  });

  it("SHAP contributions are refused, as LightGBM refuses them", () => {
    expect(() => new Scorer(model).predict([1, 2], 1, { type: "contrib" })).to.throw(/not implemented for linear trees/);
  });
});

describe("one-leaf trees", () => {
  const model = loadModel(tinyModelText({
    features: ["x"],
    trees: [
      { numLeaves: 1, leafValue: [0.25] },
      { numLeaves: 2, splitFeature: [0], threshold: [0], leftChild: [-1], rightChild: [-2], leafValue: [1, 2], leafCount: [3, 1], internalCount: [4] },
    ],
  }));

  it("output their value, report leaf 0 and add their value to the SHAP bias", () => {
    const raw = scoreEach(model, [[-1]], { type: "raw" });
    const leaf = scoreEach(model, [[-1]], { type: "leaf" });
    const contrib = scoreEach(model, [[-1]], { type: "contrib" });
    for (const engine of ENGINES) {
      expect(raw[engine]).to.deep.equal([1.25]);
      expect(leaf[engine]).to.deep.equal([0, 0]);
      // bias: 0.25 + (3/4 * 1 + 1/4 * 2); x's contribution: 1 - 1.25
      expect(contrib[engine]).to.deep.equal([1 - 1.25, 0.25 + 1.25]);
    }
  });
});

describe("objectives and their transforms", () => {
  const c = fixtureCase("golden/regression_l2");
  const text = c.text("model.txt");
  const { rows, numRows } = readInputs(c);
  const raw = readOutputs(c, "raw.txt").map((r) => r[0]);
  const withObjective = (objective: string | null) =>
    loadModel(objective === null ? text.replace(/^objective=.*\n/m, "") : text.replace(/^objective=.*$/m, `objective=${objective}`));

  const transforms: [string | null, (x: number) => number][] = [
    ["regression sqrt", (x) => Math.sign(x) * x * x],
    ["regression_l1 sqrt", (x) => Math.sign(x) * x * x],
    ["huber sqrt", (x) => x], // LightGBM switches sqrt off for huber
    ["quantile", (x) => x],
    ["mse", (x) => x], // a bare alias
    ["gamma", exp],
    ["tweedie", exp],
    ["cross_entropy", (x) => 1 / (1 + exp(-x))],
    ["xentropy", (x) => 1 / (1 + exp(-x))],
    ["cross_entropy_lambda", (x) => log1p(exp(x))],
    ["binary sigmoid:7.73556", (x) => 1 / (1 + exp(-7.7355599999999995 * x))], // LightGBM's Atof reading of 7.73556
    ["custom", (x) => x],
    ["none", (x) => x],
    [null, (x) => x],
  ];
  for (const [objective, transform] of transforms) {
    it(`${objective ?? "no objective line"}`, () => {
      const model = withObjective(objective);
      for (const engine of ENGINES) {
        const prediction = new Scorer(model, engine).predict(rows, numRows);
        expect(Array.from(prediction.values), engine).to.deep.equal(raw.map(transform));
      }
    });
  }

  it("multiclassova: a sigmoid per class, not normalised", () => {
    const m = fixtureCase("golden/multiclass");
    const model = loadModel(m.text("model.txt").replace(/^objective=.*$/m, "objective=multiclassova num_class:5 sigmoid:2"));
    const { rows: x, numRows: n } = readInputs(m);
    const expected = readOutputs(m, "raw.txt").flatMap((scores) => scores.map((s) => 1 / (1 + exp(-2 * s))));
    for (const engine of ENGINES) expect(Array.from(new Scorer(model, engine).predict(x, n).values), engine).to.deep.equal(expected);
  });

  it("LightGBM's legacy Atof reads the sigmoid parameter (not correctly rounded)", () => {
    expect(lightgbmAtof("7.73556")).to.equal(7.7355599999999995);
    expect(lightgbmAtof("1")).to.equal(1);
    expect(lightgbmAtof("0.5")).to.equal(0.5);
    expect(lightgbmAtof("1.5e-05")).to.equal(1.5e-5);
  });

  it("an unknown objective or a missing sigmoid is a model error", () => {
    expect(() => withObjective("magic")).to.throw(ModelFormatError, /unknown objective "magic"/);
    expect(() => withObjective("binary")).to.throw(ModelFormatError, /sigmoid/);
  });
});

describe("random forests (average_output)", () => {
  const c = fixtureCase("golden/adult_binary");
  const model = loadModel(c.text("model.txt").replace("feature_names=", "average_output\nfeature_names="));
  const { rows, numRows } = readInputs(c);
  const raw = readOutputs(c, "raw.txt").map((r) => r[0]);

  it("raw scores are the plain sum, predictions average over the iterations used", () => {
    for (const engine of ENGINES) {
      const scorer = new Scorer(model, engine);
      expect(Array.from(scorer.predict(rows, numRows, { type: "raw" }).values)).to.deep.equal(raw);
      expect(Array.from(scorer.predict(rows, numRows).values)).to.deep.equal(raw.map((r) => 1 / (1 + exp(-(r / 100)))));
      const first50 = scorer.predict(rows, numRows, { type: "raw", numIteration: 50 }).values;
      expect(Array.from(scorer.predict(rows, numRows, { numIteration: 50 }).values)).to.deep.equal(
        Array.from(first50, (r) => 1 / (1 + exp(-(r / 50)))),
      );
    }
  });
});

describe("iteration windows (start_iteration, num_iteration)", () => {
  const c = fixtureCase("golden/multiclass"); // 40 iterations of 5 trees
  const model = loadModel(c.text("model.txt"));
  const { rows } = readInputs(c);
  const n = 20;
  const x = rows.subarray(0, n * model.layout.numFeatures);
  const allLeaves = readOutputs(c, "leaf.txt").slice(0, n);
  const leaves = (options: PredictOptions) => {
    const p = new Scorer(model).predict(x, n, { type: "leaf", ...options });
    return Array.from({ length: n }, (_, i) => Array.from(p.values.subarray(i * p.width, (i + 1) * p.width)));
  };

  it("select the trees of those iterations", () => {
    expect(leaves({ startIteration: 10, numIteration: 5 })).to.deep.equal(allLeaves.map((r) => r.slice(50, 75)));
    expect(leaves({ startIteration: 38 })).to.deep.equal(allLeaves.map((r) => r.slice(190)));
  });

  it("are clamped as LightGBM clamps them", () => {
    expect(leaves({ startIteration: -3, numIteration: 0 })).to.deep.equal(allLeaves);
    expect(leaves({ startIteration: 39, numIteration: 100 })).to.deep.equal(allLeaves.map((r) => r.slice(195)));
    expect(leaves({ startIteration: 40 })).to.deep.equal(allLeaves.map(() => []));
    const empty = new Scorer(model).predict(x, n, { type: "raw", startIteration: 99 });
    expect(Array.from(empty.values)).to.deep.equal(new Array(n * 5).fill(0));
  });
});

describe("model file variants", () => {
  const c = fixtureCase("golden/regression_l2");
  const text = c.text("model.txt");
  const { rows, numRows } = readInputs(c);
  const pred = readOutputs(c, "pred.txt").map((r) => r[0]);
  const scores = (modelText: string) => Array.from(new Scorer(loadModel(modelText)).predict(rows, numRows).values);

  it("a version=v2 file without the keys LightGBM added later scores the same", () => {
    const v2 = text
      .replace("version=v4", "version=v2")
      .replace(/^tree_sizes=.*\n/m, "")
      .replace(/^(leaf_weight|internal_value|internal_weight|is_linear)=.*\n/gm, "");
    expect(scores(v2)).to.deep.equal(pred);
  });

  it("CRLF line endings", () => {
    expect(scores(text.replace(/\n/g, "\r\n"))).to.deep.equal(pred);
  });

  it("keeps the pandas_categorical table of models saved by the Python package", () => {
    const mtpl2 = loadModel(fixtureCase("peer-models/mtpl2").text("model.txt"));
    const tables = mtpl2.file.pandasCategorical as string[][];
    expect(tables).to.have.length(2);
    expect(tables[0][0]).to.equal("R11");
    expect(loadModel(text).file.pandasCategorical).to.equal(null);
  });
});
