// Property tests (fast-check): the WASM kernel against the JS reference on generated rows built to hit
// edge cases: every split threshold of the model exactly and one ulp either side, NaN, ±0, ±Inf,
// ±kZeroThreshold, huge, tiny and subnormal values, fractional, negative and out-of-range categories.
// Both engines must agree bit for bit on every output type, and a row's result must not depend on
// the batch it is scored in.
import { expect } from "chai";
import fc from "fast-check";
import type { WasmEngine } from "../src/engines/wasm-engine";
import { CATEGORICAL, FEATURE_MASK, LEAF, type ModelLayout, recordMeta, recordValue } from "../src/model/layout";
import { loadModel, type Model } from "../src/model/load-model";
import { type PredictionType, Scorer } from "../src/scorer";
import { SPECIAL_VALUES, withNeighbours, ZERO_THRESHOLD } from "./support/edge-values";
import { allCases, fixtureCase, readInputs } from "./support/fixtures";
import { type TinyTree, tinyModelText } from "./support/tiny-model";

const SEED = Number(process.env.FC_SEED ?? 20261125);
/** Per feature: the numbers its splits compare with, and whether any split on it is categorical. */
function splitValues(layout: ModelLayout): { thresholds: number[][]; categorical: boolean[] } {
  const thresholds: number[][] = Array.from({ length: layout.numFeatures }, () => []);
  const categorical = new Array<boolean>(layout.numFeatures).fill(false);
  for (let r = 0; r < layout.numNodes; r++) {
    const meta = recordMeta(layout, r);
    if (meta & LEAF) continue;
    const feature = meta & FEATURE_MASK;
    if (meta & CATEGORICAL) categorical[feature] = true;
    else if (thresholds[feature].length < 300) thresholds[feature].push(...withNeighbours(recordValue(layout, r)));
  }
  return { thresholds, categorical };
}

/** Rows for `model`: each feature drawn from the values that matter to its splits, or any double. */
function rowsFor(model: Model, maxRows: number, minRows = 1): fc.Arbitrary<number[][]> {
  const { thresholds, categorical } = splitValues(model.layout);
  const special = fc.constantFrom(...SPECIAL_VALUES);
  const feature = (f: number) =>
    categorical[f]
      ? fc.oneof(fc.integer({ min: -3, max: 300 }), fc.double({ min: -2, max: 300 }), fc.constantFrom(-0.5, 2 ** 31, 2 ** 32 + 1, 1e9), special)
      : thresholds[f].length > 0
        ? fc.oneof({ arbitrary: fc.constantFrom(...thresholds[f]), weight: 6 }, special, fc.double())
        : fc.oneof(special, fc.double());
  const row = fc.tuple(...Array.from({ length: model.layout.numFeatures }, (_, f) => feature(f)));
  return fc.array(row, { minLength: minRows, maxLength: maxRows });
}

function predict(scorer: Scorer, rows: number[][], type: PredictionType): Float64Array {
  return scorer.predict(rows.flat(), rows.length, { type }).values;
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

describe("engines agree bit for bit on generated edge-case rows (fast-check)", function () {
  this.timeout(120_000);
  for (const c of allCases()) {
    if (c.id === "golden/large") continue; // its golden outputs cover it; too slow for generated batches
    it(c.id, () => {
      const model = loadModel(c.text("model.txt"));
      const wasm = new Scorer(model, "wasm");
      const js = new Scorer(model, "js");
      const types: PredictionType[] = model.layout.linear ? ["normal", "raw", "leaf"] : ["normal", "raw", "leaf", "contrib"];
      const numRuns = model.layout.numTrees > 500 ? 10 : 40;
      fc.assert(
        fc.property(rowsFor(model, 24), fc.constantFrom(...types), (rows, type) => {
          const a = predict(wasm, rows, type);
          const b = predict(js, rows, type);
          const at = firstDifference(a, b);
          expect(at, `${type}: value ${at}: wasm ${a[at]}, js ${b[at]}`).to.equal(-1);
        }),
        { seed: SEED, numRuns },
      );
    });
  }

  it("leaf indices and contributions asked for after memory has grown (their arrays are copied in on first use)", () => {
    const c = fixtureCase("golden/numeric_missing");
    const model = loadModel(c.text("model.txt"));
    const { rows, numRows } = readInputs(c);
    const wasm = new Scorer(model, "wasm");
    const many = Float64Array.from({ length: 20_000 * model.layout.numFeatures }, (_, i) => rows[i % rows.length]);
    wasm.predict(many, 20_000, { type: "raw" });
    for (const type of ["leaf", "contrib"] as const) {
      const a = wasm.predict(rows, numRows, { type }).values;
      const b = new Scorer(model, "js").predict(rows, numRows, { type }).values;
      expect(firstDifference(a, b), type).to.equal(-1);
    }
  });

  it("the fixtures give the kernel every kind of records: pre-binned, compact and f64", () => {
    const kinds = new Set(allCases().map((c) => (new Scorer(loadModel(c.text("model.txt")), "wasm").engine as WasmEngine).records));
    expect([...kinds].sort()).to.deep.equal(["compact", "f64", "pre-binned"]);
  });

  it("a row's result does not depend on its batch (block boundaries, chunking)", () => {
    // pre-binned, compact and f64 records; batches past the kernel's 4096-row blocks (and the Scorer's chunks)
    for (const id of ["golden/adult_binary", "golden/multiclass", "golden/categorical_wide", "golden/regression_l2"]) {
      const model = loadModel(allCases().find((c) => c.id === id)!.text("model.txt"));
      const wasm = new Scorer(model, "wasm");
      const batches = fc.oneof(rowsFor(model, 150), rowsFor(model, 4200, 4090));
      fc.assert(
        fc.property(batches, fc.constantFrom<PredictionType>("raw", "leaf"), (rows, type) => {
          const batch = predict(wasm, rows, type);
          const width = batch.length / rows.length;
          rows.forEach((row, i) => {
            const alone = predict(wasm, [row], type);
            expect(firstDifference(alone, batch.subarray(i * width, (i + 1) * width)), `${id} row ${i}`).to.equal(-1);
          });
        }),
        { seed: SEED, numRuns: 15 },
      );
    }
  });

  it("leaf sets score batches, single rows and iteration windows as the JS engine does", () => {
    const cases = allCases().filter((c) => (new Scorer(loadModel(c.text("model.txt")), "wasm").engine as WasmEngine).leafSets);
    expect(cases.map((c) => c.id)).to.include.members(["golden/adult_binary", "golden/regression_l2", "golden/numeric_missing", "peer-models/multiclass"]);
    for (const c of cases) {
      const model = loadModel(c.text("model.txt"));
      const wasm = new Scorer(model, "wasm");
      const js = new Scorer(model, "js");
      const iterations = model.layout.numIterations;
      // windows that start and end inside the kernel's vectors of four trees
      const windows = fc.record({ startIteration: fc.nat({ max: iterations }), numIteration: fc.nat({ max: iterations }) });
      fc.assert(
        fc.property(fc.oneof(rowsFor(model, 8), rowsFor(model, 100, 64)), windows, (rows, window) => {
          const options = { type: "raw" as const, ...window };
          const a = wasm.predict(rows.flat(), rows.length, options).values;
          const b = js.predict(rows.flat(), rows.length, options).values;
          const at = firstDifference(a, b);
          expect(at, `${c.id} ${JSON.stringify(window)}: value ${at}: wasm ${a[at]}, js ${b[at]}`).to.equal(-1);
        }),
        { seed: SEED, numRuns: 10 },
      );
    }
  });

  it("leaf sets take trees of up to 32 leaves; pre-binned and compact models with bigger trees keep their walks, with the same results", () => {
    // a tree of n leaves on two features, its chain of splits turning left and right, and a stump
    const chain = (n: number): TinyTree => ({
      numLeaves: n,
      splitFeature: Array.from({ length: n - 1 }, (_, i) => i % 2),
      threshold: Array.from({ length: n - 1 }, (_, i) => i + 0.5),
      decisionType: Array.from({ length: n - 1 }, (_, i) => (i % 3 === 0 ? 10 : 2)), // some splits: NaN missing, default left
      leftChild: Array.from({ length: n - 1 }, (_, i) => (i % 2 ? (i < n - 2 ? i + 1 : -n) : -(i + 1))),
      rightChild: Array.from({ length: n - 1 }, (_, i) => (i % 2 ? -(i + 1) : i < n - 2 ? i + 1 : -n)),
      leafValue: Array.from({ length: n }, (_, i) => 2 ** -i - i),
    });
    const stump: TinyTree = { numLeaves: 2, splitFeature: [1], threshold: [3.5], decisionType: [2], leftChild: [-1], rightChild: [-2], leafValue: [0.25, -0.5] };
    // 70 more thresholds on x: too many to pre-bin, so compact records
    const manyThresholds = Array.from({ length: 70 }, (_, i): TinyTree => ({ ...stump, splitFeature: [0], threshold: [100.5 + i] }));
    const cases = [
      [32, "pre-binned", true], [33, "pre-binned", false], [32, "compact", true], [33, "compact", false],
    ] as const;
    for (const [n, records, leafSets] of cases) {
      const trees = [stump, chain(n), stump, chain(n - 5), ...(records === "compact" ? manyThresholds : [])];
      const model = loadModel(tinyModelText({ features: ["x", "y"], trees }));
      const wasm = new Scorer(model, "wasm");
      expect((wasm.engine as WasmEngine).records, `${n} leaves`).to.equal(records);
      expect((wasm.engine as WasmEngine).leafSets, `${n} leaves`).to.equal(leafSets);
      const values = [...Array.from({ length: n + 1 }, (_, k) => withNeighbours(k - 0.5)).flat(), NaN, 0, -1e300, 1e300];
      const rows = values.flatMap((x, i) => [[x, values[(7 * i) % values.length]], [values[(3 * i) % values.length], x]]);
      for (const type of ["raw", "leaf"] as const) {
        const js = predict(new Scorer(model, "js"), rows, type);
        expect(firstDifference(predict(wasm, rows, type), js), `${records}, ${n} leaves, ${type}, batch`).to.equal(-1);
        const alone = rows.flatMap((row) => [...predict(wasm, [row], type)]);
        expect(firstDifference(Float64Array.from(alone), js), `${records}, ${n} leaves, ${type}, one row a call`).to.equal(-1);
      }
    }
  });

  it("compact records bin signed zeros, infinities and subnormal thresholds as the f64 records decide them", () => {
    // thresholds on the edges of the double range, -0 and 0 both (equal, so one edge), some repeated
    const thresholds = [-Infinity, -1e300, -0, 0, 5e-324, ZERO_THRESHOLD, -ZERO_THRESHOLD, 1e300, Infinity, 0.5, -0, 1e300];
    const model = loadModel(tinyModelText({
      features: ["x"],
      trees: thresholds.map((threshold, i) => ({
        numLeaves: 2, splitFeature: [0], threshold: [threshold], decisionType: [2], leftChild: [-1], rightChild: [-2],
        leafValue: [2 ** i, -(2 ** -i)],
      })),
    }));
    const wasm = new Scorer(model, "wasm");
    expect((wasm.engine as WasmEngine).records).to.equal("compact");
    const rows = [...new Set([...SPECIAL_VALUES, ...thresholds].flatMap(withNeighbours))].map((x) => [x]);
    for (const type of ["raw", "leaf"] as const) {
      const js = predict(new Scorer(model, "js"), rows, type);
      expect(firstDifference(predict(wasm, rows, type), js), `${type}, batch`).to.equal(-1);
      const alone = rows.flatMap((row) => [...predict(wasm, [row], type)]);
      expect(firstDifference(Float64Array.from(alone), js), `${type}, one row a call`).to.equal(-1);
    }
  });

  it("compact records take up to 255 thresholds a feature; past that the f64 records, with the same results", () => {
    // n stumps on feature 0, at thresholds 0.5, 1.5, ...: n distinct thresholds
    const stumps = (n: number) =>
      loadModel(tinyModelText({
        features: ["x", "y"],
        trees: Array.from({ length: n }, (_, i) => ({
          numLeaves: 2, splitFeature: [0], threshold: [i + 0.5], decisionType: [2], leftChild: [-1], rightChild: [-2],
          leafValue: [i / 7, -i / 3],
        })),
      }));
    for (const [n, records] of [[255, "compact"], [256, "f64"]] as const) {
      const model = stumps(n);
      const wasm = new Scorer(model, "wasm");
      expect((wasm.engine as WasmEngine).records, `${n} thresholds`).to.equal(records);
      // every threshold and the doubles either side of it, NaN and a huge value: a batch, then one row a call
      const values = [...Array.from({ length: n + 1 }, (_, k) => withNeighbours(k - 0.5)).flat(), NaN, 1e300];
      const rows = values.map((x, i) => [x, i]);
      for (const type of ["raw", "leaf"] as const) {
        const js = predict(new Scorer(model, "js"), rows, type);
        expect(firstDifference(predict(wasm, rows, type), js), `${n} thresholds, ${type}, batch`).to.equal(-1);
        const alone = rows.flatMap((row) => [...predict(wasm, [row], type)]);
        expect(firstDifference(Float64Array.from(alone), js), `${n} thresholds, ${type}, one row a call`).to.equal(-1);
      }
    }
  });
});
