// The JS engine scores big calls by partition and small ones by row walks (src/engines/js-engine.ts).
// The property tests' batches are small, so they meet only the walks: here, batches past a block of
// rows, with edge values (every threshold and one ulp either side, NaN, ±0, ±Inf, ±kZeroThreshold)
// written into real rows, must give each row the bits it gets alone, and the bits the kernel gives.
import { expect } from "chai";
import { JsEngine } from "../src/engines/js-engine";
import { prepareRows } from "../src/engines/rows";
import { CATEGORICAL, FEATURE_MASK, LEAF, recordMeta, recordValue } from "../src/model/layout";
import { loadModel, type Model } from "../src/model/load-model";
import { type PredictionType, Scorer } from "../src/scorer";
import { SPECIAL_VALUES, withNeighbours } from "./support/edge-values";
import { fixtureCase, readInputs } from "./support/fixtures";
import { prng } from "./support/prng";

/**
 * Past the Scorer's 4096-row chunks, which are also the JS engine's blocks at most: one call gets a full
 * block and the next a part one (304 rows, still partitioned); an engine called with all the rows
 * gets both blocks in one call.
 */
const NUM_ROWS = 4400;

/** Per feature: its numeric thresholds and their neighbours, or a few category-like values. */
function edgeValues(model: Model): number[][] {
  const { layout } = model;
  const values: number[][] = Array.from({ length: layout.numFeatures }, () => [...SPECIAL_VALUES]);
  for (let r = 0; r < layout.numNodes; r++) {
    const meta = recordMeta(layout, r);
    if (meta & LEAF) continue;
    const feature = meta & FEATURE_MASK;
    if (meta & CATEGORICAL) values[feature].push(-1, -0.5, 0.5, 3, 2 ** 31);
    else values[feature].push(...withNeighbours(recordValue(layout, r)));
  }
  return values;
}

/** NUM_ROWS rows of the case's inputs, about one value in four replaced by an edge value. */
function edgeRows(id: string, model: Model, seed: number): Float64Array {
  const { rows, numRows } = readInputs(fixtureCase(id));
  const numFeatures = model.layout.numFeatures;
  const values = edgeValues(model);
  const random = prng(seed);
  const out = new Float64Array(NUM_ROWS * numFeatures);
  for (let i = 0; i < NUM_ROWS; i++) {
    const source = Math.floor(random() * numRows) * numFeatures;
    for (let f = 0; f < numFeatures; f++) {
      const edge = values[f];
      out[i * numFeatures + f] = random() < 0.25 ? edge[Math.floor(random() * edge.length)] : rows[source + f];
    }
  }
  return out;
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

/** Every row through one call of a new JsEngine, every tree: what Scorer.predict gives for `type` (raw or leaf). */
function oneEngineCall(model: Model, rows: Float64Array, type: PredictionType): Float64Array {
  const engine = new JsEngine(model.layout);
  const { numFeatures, numTrees } = model.layout;
  prepareRows(rows, 0, NUM_ROWS, numFeatures, engine.input(NUM_ROWS));
  return Float64Array.from(type === "leaf" ? engine.leaves(NUM_ROWS, 0, numTrees) : engine.raw(NUM_ROWS, 0, numTrees));
}

describe("JS engine: batches by partition give each row its bits alone", function () {
  this.timeout(120_000);
  const ids = [
    "golden/numeric_missing", "golden/categorical_wide", "golden/multiclass", "golden/linear_tree",
    "golden/adult_binary", "peer-models/mixed_categorical", "peer-models/airline",
  ];
  for (const id of ids) {
    it(id, () => {
      const model = loadModel(fixtureCase(id).text("model.txt"));
      const numFeatures = model.layout.numFeatures;
      const js = new Scorer(model, "js");
      const wasm = new Scorer(model, "wasm");
      const rows = edgeRows(id, model, 0x5eed + id.length);
      for (const type of ["raw", "leaf"] as PredictionType[]) {
        const batch = js.predict(rows, NUM_ROWS, { type }).values;
        const width = batch.length / NUM_ROWS;
        expect(firstDifference(batch, wasm.predict(rows, NUM_ROWS, { type }).values), `${type}: js vs wasm`).to.equal(-1);
        expect(firstDifference(batch, oneEngineCall(model, rows, type)), `${type}: one engine call`).to.equal(-1);
        for (let i = 0; i < NUM_ROWS; i++) {
          const alone = js.predict(rows.subarray(i * numFeatures, (i + 1) * numFeatures), 1, { type }).values;
          expect(firstDifference(alone, batch.subarray(i * width, (i + 1) * width)), `${type}: row ${i}`).to.equal(-1);
        }
      }
    });
  }
});
