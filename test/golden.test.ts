// Every fixture case through both engines and every output LightGBM produced for it. The outputs
// are LightGBM 4.6's own, printed with 17 significant digits, so they parse back to the exact doubles:
// we hold every value to bit-for-bit equality.
import { expect } from "chai";
import type { EngineName } from "../src/engines/engine";
import { loadModel, type Model } from "../src/model/load-model";
import { type PredictionType, Scorer } from "../src/scorer";
import { allCases, fixtureCase, type GoldenCase, readInputs, readOutputs } from "./support/fixtures";

const OUTPUTS: [PredictionType, string][] = [
  ["normal", "pred.txt"],
  ["raw", "raw.txt"],
  ["contrib", "contrib.txt"],
  ["leaf", "leaf.txt"],
];

/** Index of the first value that differs bit-wise, with both values, or null. */
function firstDifference(actual: Float64Array, expected: number[][], width: number): string | null {
  for (let i = 0; i < expected.length; i++) {
    if (expected[i].length !== width) return `row ${i}: ${expected[i].length} columns expected, got ${width}`;
    for (let k = 0; k < width; k++) {
      const got = actual[i * width + k];
      if (!Object.is(got, expected[i][k])) return `row ${i} column ${k}: got ${got}, LightGBM ${expected[i][k]}`;
    }
  }
  return null;
}

function checkOutputs(c: GoldenCase, engine: EngineName, loaded: () => Model): void {
  for (const [type, file] of OUTPUTS) {
    if (!c.has(file)) continue;
    it(`${type} equals ${file} bit for bit`, () => {
      const model = loaded();
      const expected = readOutputs(c, file);
      const { rows } = readInputs(c);
      const n = expected.length; // large: contrib and leaf cover the first 100 rows only
      const prediction = new Scorer(model, engine).predict(rows.subarray(0, n * model.layout.numFeatures), n, { type });
      expect(firstDifference(prediction.values, expected, prediction.width)).to.equal(null);
    });
  }
}

describe("golden cases: LightGBM 4.6's outputs, both engines", () => {
  for (const c of allCases()) {
    describe(c.id, () => {
      let model: Model | undefined;
      const loaded = () => (model ??= loadModel(c.text("model.txt")));
      after(() => (model = undefined));
      for (const engine of ["wasm", "js"] as const) describe(`${engine} engine`, () => checkOutputs(c, engine, loaded));
    });
  }
});

describe("golden/adult_binary iterations and seed row", () => {
  const c = fixtureCase("golden/adult_binary");
  const model = loadModel(c.text("model.txt"));
  const { rows, numRows } = readInputs(c);

  for (const engine of ["wasm", "js"] as const) {
    it(`${engine}: num_iteration 50 equals pred_iter50.txt`, () => {
      const prediction = new Scorer(model, engine).predict(rows, numRows, { numIteration: 50 });
      expect(firstDifference(prediction.values, readOutputs(c, "pred_iter50.txt"), 1)).to.equal(null);
    });
  }

  it("the seed row gives seed_row.txt's prediction, raw score, contributions and leaves", () => {
    const seed = Object.fromEntries(
      c.text("seed_row.txt").trim().split("\n").filter((line) => !line.startsWith("#")).map((line) => line.split("=")),
    );
    const row = seed.row.split(",").map(Number);
    const scorer = new Scorer(model);
    const values = (type: PredictionType, numIteration?: number) => Array.from(scorer.predict(row, 1, { type, numIteration }).values);
    expect(values("normal")).to.deep.equal([Number(seed.pred)]);
    expect(values("raw")).to.deep.equal([Number(seed.raw)]);
    expect(values("contrib")).to.deep.equal(seed.contrib.split("\t").map(Number));
    expect(values("leaf")).to.deep.equal(seed.leaf.split("\t").map(Number));
    expect(values("normal", 50)).to.deep.equal([Number(seed.pred_iter50)]);
  });
});
