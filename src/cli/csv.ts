// CSV rows for the CLI: a header of feature names matched to the model by name (any order), or
// --no-header for columns in model order. `nan`, `NaN` and empty fields are missing values.
import { decimalValue } from "../model/tokens";

export class InputError extends Error {
  name = "InputError";
}

export interface Table {
  numRows: number;
  /** numRows × featureNames.length, model order. */
  values: Float64Array;
}

export function readCsv(text: string, featureNames: readonly string[], hasHeader: boolean): Table {
  const lines = text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const numFeatures = featureNames.length;
  let columnFeature: number[]; // CSV column -> model feature
  let first = 0;
  if (hasHeader) {
    if (lines.length === 0) throw new InputError("the data file is empty (expected a header line of feature names)");
    columnFeature = matchHeader(lines[0].split(",").map(unquote), featureNames);
    first = 1;
  } else {
    columnFeature = featureNames.map((_, f) => f);
  }
  const numRows = lines.length - first;
  const values = new Float64Array(numRows * numFeatures);
  for (let i = 0; i < numRows; i++) {
    const lineNumber = first + i + 1;
    const cells = lines[first + i].split(",");
    if (cells.length !== columnFeature.length) {
      throw new InputError(`line ${lineNumber}: ${cells.length} fields, expected ${columnFeature.length}`);
    }
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c].trim();
      const value = cell === "" ? NaN : decimalValue(cell);
      if (value === undefined) {
        throw new InputError(`line ${lineNumber}: "${cell}" in column ${featureNames[columnFeature[c]]} is not a number`);
      }
      values[i * numFeatures + columnFeature[c]] = value;
    }
  }
  return { numRows, values };
}

function matchHeader(columns: string[], featureNames: readonly string[]): number[] {
  const index = new Map(featureNames.map((name, f) => [name, f]));
  const seen = new Set<string>();
  const mapping = columns.map((name) => {
    const f = index.get(name);
    if (f === undefined) throw new InputError(`unknown column "${name}": the model's features are ${featureNames.join(",")}`);
    if (seen.has(name)) throw new InputError(`column "${name}" appears twice`);
    seen.add(name);
    return f;
  });
  const missing = featureNames.filter((name) => !seen.has(name));
  if (missing.length > 0) throw new InputError(`missing column${missing.length > 1 ? "s" : ""} ${missing.map((n) => `"${n}"`).join(", ")}`);
  return mapping;
}

function unquote(name: string): string {
  const trimmed = name.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}
