// POST /predict bodies -> rows in model feature order. Everything a client can get wrong is a 4xx
// that names the row and the feature; nothing reaches the scorer unchecked.
import type { FeatureInfo } from "../model/features";
import { PREDICTION_TYPES, type PredictionType, type PredictOptions } from "../scorer";
import { HttpError } from "./http";

export interface PredictRequest {
  /** numRows × numFeatures, model order, NaN = missing. */
  rows: Float64Array;
  numRows: number;
  options: PredictOptions & { type: PredictionType };
}

const FIELDS = new Set(["rows", "type", "num_iteration", "start_iteration"]);
const USAGE = 'send {"rows": [[...feature values...]]} or {"rows": [{"feature": value}]}';

/** Parses the JSON text of a /predict body against the model's features. */
export function parsePredictRequest(text: string, features: readonly FeatureInfo[], maxRows: number): PredictRequest {
  if (text.trim() === "") throw invalid("invalid_body", `the body is empty: ${USAGE}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalid("invalid_json", `the body is not valid JSON (${(error as Error).message})`);
  }
  // the classic tutorial's form: a bare array of rows
  const request = Array.isArray(body) ? { rows: body } : body;
  if (typeof request !== "object" || request === null) throw invalid("invalid_body", `expected a JSON object or array: ${USAGE}`);
  const fields = request as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw invalid("unknown_field", `unknown field${unknown.length > 1 ? "s" : ""} ${quoteList(unknown)}; accepted: ${[...FIELDS].join(", ")}`);
  }
  const rows = Object.hasOwn(fields, "rows") ? fields.rows : undefined;
  if (!Array.isArray(rows)) throw invalid("invalid_body", `"rows" must be an array: ${USAGE}`);
  if (rows.length > maxRows) {
    throw new HttpError(413, "too_many_rows", `${rows.length} rows in one request; at most ${maxRows} (MAX_ROWS) are accepted`);
  }
  return {
    rows: readRows(rows, features),
    numRows: rows.length,
    options: {
      type: readType(fields.type),
      numIteration: readIteration(fields, "num_iteration"),
      startIteration: readIteration(fields, "start_iteration"),
    },
  };
}

function invalid(code: string, message: string): HttpError {
  return new HttpError(400, code, message);
}

function quoteList(names: string[]): string {
  const shown = names.slice(0, 10).map((name) => JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name));
  return shown.join(", ") + (names.length > 10 ? ` and ${names.length - 10} more` : "");
}

function readType(value: unknown): PredictionType {
  if (value === undefined) return "normal";
  if (!PREDICTION_TYPES.includes(value as PredictionType)) {
    throw invalid("invalid_type", `"type" must be one of ${PREDICTION_TYPES.join(", ")}`);
  }
  return value as PredictionType;
}

function readIteration(fields: Record<string, unknown>, name: string): number | undefined {
  if (!Object.hasOwn(fields, name) || fields[name] === null) return undefined;
  const value = fields[name];
  if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2 ** 31) {
    throw invalid("invalid_parameter", `"${name}" must be an integer`);
  }
  return value;
}

function readRows(rows: unknown[], features: readonly FeatureInfo[]): Float64Array {
  const numFeatures = features.length;
  const out = new Float64Array(rows.length * numFeatures);
  const byName = new Map(features.map((feature) => [feature.name, feature]));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const base = i * numFeatures;
    if (Array.isArray(row)) {
      if (row.length !== numFeatures) {
        throw invalid("invalid_row", `row ${i} has ${row.length} values; the model has ${numFeatures} features (${featureList(features)})`);
      }
      for (let f = 0; f < numFeatures; f++) out[base + f] = readValue(row[f], features[f], i);
    } else if (typeof row === "object" && row !== null) {
      out.fill(NaN, base, base + numFeatures); // absent features are missing values
      const unknown: string[] = [];
      for (const [name, value] of Object.entries(row)) {
        const feature = byName.get(name);
        if (feature) out[base + feature.index] = readValue(value, feature, i);
        else unknown.push(name);
      }
      if (unknown.length > 0) {
        throw invalid("unknown_feature", `row ${i}: unknown feature${unknown.length > 1 ? "s" : ""} ${quoteList(unknown)}; the model's features are ${featureList(features)}`);
      }
    } else {
      throw invalid("invalid_row", `row ${i} is ${describe(row)}; expected an array of feature values or an object keyed by feature name`);
    }
  }
  return out;
}

function readValue(value: unknown, feature: FeatureInfo, row: number): number {
  if (typeof value === "number") {
    // JSON has no NaN or Infinity; a literal like 1e400 overflows to Infinity in JSON.parse
    if (!Number.isFinite(value)) throw invalid("invalid_value", `row ${row}, feature "${feature.name}": ${value} is out of range`);
    return value;
  }
  if (value === null) return NaN;
  if (typeof value === "string") {
    if (feature.categories) {
      // as pandas does: an unseen category becomes code -1, which LightGBM reads as missing
      const code = feature.categories.findIndex((category) => String(category) === value);
      return code >= 0 ? code : NaN;
    }
    const hint =
      feature.kind === "categorical"
        ? "this model has no pandas_categorical table, so send the category's integer code"
        : "send a number, or null for a missing value";
    throw invalid("invalid_value", `row ${row}, feature "${feature.name}": ${JSON.stringify(value.slice(0, 60))} is a string; ${hint}`);
  }
  throw invalid("invalid_value", `row ${row}, feature "${feature.name}": ${describe(value)} is not a number; send a number, or null for a missing value`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function featureList(features: readonly FeatureInfo[]): string {
  const names = features.map((feature) => feature.name);
  return names.length > 20 ? `${names.slice(0, 20).join(", ")}, ...` : names.join(", ");
}
