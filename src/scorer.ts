// The one place where a request becomes engine calls: iteration window, output type, averaging and
// the objective transform, exactly as LightGBM's GBDT::InitPredict / Predict / PredictRaw /
// PredictContrib / PredictLeafIndex do them. The handler and the CLI both score through here.
import type { Engine, EngineName } from "./engines/engine";
import { JsEngine } from "./engines/js-engine";
import { prepareRows } from "./engines/rows";
import { WasmEngine } from "./engines/wasm-engine";
import type { Model } from "./model/load-model";

export type PredictionType = "normal" | "raw" | "contrib" | "leaf";
export const PREDICTION_TYPES: readonly PredictionType[] = ["normal", "raw", "contrib", "leaf"];

export interface PredictOptions {
  type?: PredictionType;
  /** First iteration to use (LightGBM's start_iteration); clamped to the model's iterations. */
  startIteration?: number;
  /** Iterations to use from there; 0 or less means all the rest (LightGBM's num_iteration). */
  numIteration?: number;
}

export interface Prediction {
  type: PredictionType;
  numRows: number;
  /** Values per row: numClass (normal, raw), numClass × (numFeatures + 1) (contrib), trees (leaf). */
  width: number;
  /** Row-major, numRows × width. Leaf numbers are whole numbers. */
  values: Float64Array;
}

/** A request LightGBM itself would refuse (e.g. SHAP on linear trees). */
export class UnsupportedRequestError extends Error {
  name = "UnsupportedRequestError";
}

/** Rows scored per engine call: bounds the engine's working memory. */
const CHUNK_ROWS = 4096;

export class Scorer {
  readonly engine: Engine;

  constructor(
    readonly model: Model,
    engine: EngineName = "wasm",
  ) {
    this.engine = engine === "wasm" ? new WasmEngine(model.layout) : new JsEngine(model.layout);
  }

  /** Which trees an iteration window selects (GBDT::InitPredict's clamping). */
  treeRange(options: PredictOptions = {}): { treeBegin: number; treeEnd: number; iterations: number } {
    const { numIterations, numClass } = this.model.layout;
    const start = Math.min(Math.max(Math.trunc(options.startIteration ?? 0), 0), numIterations);
    const requested = Math.trunc(options.numIteration ?? 0);
    const iterations = requested > 0 ? Math.min(requested, numIterations - start) : numIterations - start;
    return { treeBegin: start * numClass, treeEnd: (start + iterations) * numClass, iterations };
  }

  /**
   * Scores `numRows` rows given row-major in model feature order (numRows × numFeatures, NaN for a
   * missing value).
   */
  predict(rows: ArrayLike<number>, numRows: number, options: PredictOptions = {}): Prediction {
    const type = options.type ?? "normal";
    const { layout, file } = this.model;
    if (rows.length !== numRows * layout.numFeatures) {
      throw new RangeError(`expected ${numRows} rows of ${layout.numFeatures} values, got ${rows.length} values`);
    }
    if (type === "contrib") this.assertContribSupported();
    const { treeBegin, treeEnd, iterations } = this.treeRange(options);
    const width =
      type === "leaf" ? treeEnd - treeBegin : type === "contrib" ? layout.numClass * (layout.numFeatures + 1) : layout.numClass;
    const values = new Float64Array(numRows * width);
    for (let first = 0; first < numRows; first += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, numRows - first);
      prepareRows(rows, first, count, layout.numFeatures, this.engine.input(count));
      let result: ArrayLike<number>;
      if (type === "leaf") result = this.engine.leaves(count, treeBegin, treeEnd);
      else if (type === "contrib") result = this.engine.contributions(count, treeBegin, treeEnd);
      else {
        const raw = this.engine.raw(count, treeBegin, treeEnd);
        if (type === "normal") this.transform(raw, count, iterations, file.averageOutput);
        result = raw;
      }
      values.set(result, first * width);
    }
    return { type, numRows, width, values };
  }

  /** GBDT::Predict after PredictRaw: random forests average, then the objective converts. */
  private transform(scores: Float64Array, numRows: number, iterations: number, averageOutput: boolean): void {
    const numClass = this.model.layout.numClass;
    if (averageOutput) for (let i = 0; i < scores.length; i++) scores[i] /= iterations;
    for (let i = 0; i < numRows; i++) this.model.objective.convert(scores, i * numClass);
  }

  private assertContribSupported(): void {
    const { layout, file } = this.model;
    if (layout.linear || file.linearTreeParameter) {
      throw new UnsupportedRequestError("SHAP contributions are not implemented for linear trees (LightGBM refuses them too)");
    }
    if (!layout.hasCounts) {
      throw new UnsupportedRequestError("SHAP contributions need leaf_count and internal_count, which this model file lacks");
    }
  }
}
