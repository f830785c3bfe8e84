// The golden cases in test/fixtures: LightGBM models with inputs and LightGBM 4.6's own outputs.
// golden/ is the project's model zoo, peer-models/ ten real-world models from lleaves' test suite
// (see the README in each). Files may be stored gzipped (name.gz).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export const FIXTURES = join(__dirname, "..", "fixtures");

export interface GoldenCase {
  /** "golden/adult_binary", "peer-models/airline", ... */
  id: string;
  dir: string;
  has(file: string): boolean;
  text(file: string): string;
}

export function fixtureCase(id: string): GoldenCase {
  const dir = join(FIXTURES, id);
  const path = (file: string) => (existsSync(join(dir, file)) ? join(dir, file) : join(dir, `${file}.gz`));
  return {
    id,
    dir,
    has: (file) => existsSync(path(file)),
    text: (file) => {
      const p = path(file);
      const bytes = readFileSync(p);
      return (p.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
    },
  };
}

export function allCases(): GoldenCase[] {
  return ["golden", "peer-models"].flatMap((kind) =>
    readdirSync(join(FIXTURES, kind), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => fixtureCase(`${kind}/${entry.name}`)),
  );
}

/** X.csv: header of feature names (model order), then rows; `nan` is missing. */
export function readInputs(c: GoldenCase): { names: string[]; rows: Float64Array; numRows: number } {
  const lines = c.text("X.csv").trimEnd().split("\n");
  const names = lines[0].split(",");
  const rows = new Float64Array((lines.length - 1) * names.length);
  for (let i = 1; i < lines.length; i++) {
    lines[i].split(",").forEach((cell, f) => {
      rows[(i - 1) * names.length + f] = cell === "nan" ? NaN : Number(cell);
    });
  }
  return { names, rows, numRows: lines.length - 1 };
}

/** An output file: one line per row, tab-separated numbers printed with 17 significant digits. */
export function readOutputs(c: GoldenCase, file: string): number[][] {
  return c.text(file).trimEnd().split("\n").map((line) => line.split("\t").map(Number));
}
