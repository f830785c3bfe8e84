// `npm run bench`: scoring speed of both engines on the `large` and `adult_binary` golden models,
// next to LightGBM 4.6's own figures on this machine class (the issue's) and, when
// bench/lightgbm-results.json is there (`npm run bench:lightgbm`), LightGBM as measured on this
// machine, plus decode time and package sizes.
// Everything is timed on the esbuild bundle (bench/support/bundle.ts), single-threaded, medians
// after warm-up. Prints a table and writes bench/results.json. Engines must agree with each other
// and with LightGBM on the rows they are timed on: a fast wrong answer does not count.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { expect } from "chai";
import { fixtureCase, readInputs, readOutputs } from "../test/support/fixtures";
import { type Library, loadBundle } from "./support/bundle";
import { time } from "./support/timing";

const ROOT = join(__dirname, "..");

type Engine = "wasm" | "js";
type Unit = "rows/s" | "ms" | "KB";

interface Figure {
  model: string;
  measure: string;
  unit: Unit;
  wasm?: number;
  js?: number;
  /** LightGBM 4.6 C API, gcc -O3, one thread, on this machine class (from the issue). */
  lightgbm?: number;
  /** LightGBM as bench/lightgbm-reference.py measured it, if it has run. */
  lightgbmMeasured?: number;
  /** What the WASM figure (or the single figure) must reach: at least for rows/s, at most for ms and KB. */
  target?: number;
  /** Target for the JS figure, where there is one. */
  jsTarget?: number;
}

interface BenchModel {
  id: string;
  name: string;
  lightgbm: { batch: number; oneRow: number; loadMs: number; shap: number };
  targets: { batch: number; oneRow: number; decodeMs: number; jsBatch?: number };
  /** Rows per SHAP run (TreeSHAP on `large` takes tens of milliseconds a row). */
  shapRows: number;
}

const MODELS: BenchModel[] = [
  {
    id: "golden/large",
    name: "large",
    lightgbm: { batch: 13_100, oneRow: 13_200, loadMs: 100, shap: 10 },
    targets: { batch: 65_000, oneRow: 33_000, decodeMs: 100, jsBatch: 30_000 },
    shapRows: 10,
  },
  {
    id: "golden/adult_binary",
    name: "adult_binary",
    lightgbm: { batch: 422_000, oneRow: 425_000, loadMs: 1, shap: 3_400 },
    targets: { batch: 850_000, oneRow: 850_000, decodeMs: 2 },
    shapRows: 500,
  },
];

const figures: Figure[] = [];

/** bench/lightgbm-reference.py's last figures (bench/lightgbm-results.json), if it has run. */
interface LightgbmRun {
  date: string;
  lightgbm: string;
  threads: number;
  figures: { model: string; loadMs: number; batch: number; oneRow: number; shap: number }[];
}
const LIGHTGBM_RESULTS = join(ROOT, "bench", "lightgbm-results.json");
const lightgbmRun: LightgbmRun | null = existsSync(LIGHTGBM_RESULTS) ? JSON.parse(readFileSync(LIGHTGBM_RESULTS, "utf8")) : null;

function measured(model: string, measure: "loadMs" | "batch" | "oneRow" | "shap"): number | undefined {
  return lightgbmRun?.figures.find((f) => f.model === model)?.[measure];
}

let lib: Library;

function rowsPerSecond(rows: number, ms: number): number {
  return Math.round((rows / ms) * 1000);
}

function firstBitDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe("benchmarks (bundled code, one thread, medians)", function () {
  this.timeout(600_000);

  before(() => {
    lib = loadBundle();
  });

  for (const bench of MODELS) {
    describe(bench.name, () => {
      const c = fixtureCase(bench.id);
      const text = c.text("model.txt");
      const { rows, numRows } = readInputs(c);
      let model: ReturnType<Library["loadModel"]>;
      let scorers: Record<Engine, InstanceType<Library["Scorer"]>>;
      let numFeatures: number;

      before(() => {
        model = lib.loadModel(text);
        numFeatures = model.layout.numFeatures;
        scorers = { wasm: new lib.Scorer(model, "wasm"), js: new lib.Scorer(model, "js") };
      });

      it("both engines agree with LightGBM, batch and one row per call", () => {
        const expected = readOutputs(c, "raw.txt").flat();
        for (const engine of ["wasm", "js"] as const) {
          const batch = scorers[engine].predict(rows, numRows, { type: "raw" }).values;
          expect(firstBitDifference(batch, expected), `${engine} batch vs raw.txt`).to.equal(-1);
          const single = new Float64Array(numRows * model.layout.numClass);
          for (let i = 0; i < numRows; i++) {
            single.set(scorers[engine].predict(rows.subarray(i * numFeatures, (i + 1) * numFeatures), 1, { type: "raw" }).values, i);
          }
          expect(firstBitDifference(single, expected), `${engine} one row per call vs raw.txt`).to.equal(-1);
        }
      });

      it("batch raw scoring", () => {
        const figure: Figure = {
          model: bench.name, measure: `batch raw (${numRows} rows)`, unit: "rows/s",
          lightgbm: bench.lightgbm.batch, lightgbmMeasured: measured(bench.name, "batch"),
          target: bench.targets.batch, jsTarget: bench.targets.jsBatch,
        };
        for (const engine of ["wasm", "js"] as const) {
          const { medianMs } = time(() => scorers[engine].predict(rows, numRows, { type: "raw" }), { budgetMs: 3000, maxRuns: 30 });
          figure[engine] = rowsPerSecond(numRows, medianMs);
        }
        figures.push(figure);
      });

      it("one row per call", () => {
        const figure: Figure = {
          model: bench.name, measure: "one row per call, raw", unit: "rows/s",
          lightgbm: bench.lightgbm.oneRow, lightgbmMeasured: measured(bench.name, "oneRow"), target: bench.targets.oneRow,
        };
        const singleRows = Array.from({ length: numRows }, (_, i) => rows.subarray(i * numFeatures, (i + 1) * numFeatures));
        for (const engine of ["wasm", "js"] as const) {
          const scorer = scorers[engine];
          const { medianMs } = time(
            () => {
              for (let i = 0; i < numRows; i++) scorer.predict(singleRows[i], 1, { type: "raw" });
            },
            { budgetMs: 3000, maxRuns: 30 },
          );
          figure[engine] = rowsPerSecond(numRows, medianMs);
        }
        figures.push(figure);
      });

      it("SHAP contributions (both engines agree)", () => {
        const n = Math.min(bench.shapRows, numRows);
        const subset = rows.subarray(0, n * numFeatures);
        const wasm = scorers.wasm.predict(subset, n, { type: "contrib" }).values;
        const js = scorers.js.predict(subset, n, { type: "contrib" }).values;
        expect(firstBitDifference(wasm, js), "wasm vs js contributions").to.equal(-1);
        const expected = readOutputs(c, "contrib.txt").slice(0, n).flat();
        expect(firstBitDifference(wasm, expected), "contributions vs contrib.txt").to.equal(-1);
        const figure: Figure = {
          model: bench.name, measure: `SHAP contributions (${n} rows)`, unit: "rows/s",
          lightgbm: bench.lightgbm.shap, lightgbmMeasured: measured(bench.name, "shap"),
          target: bench.lightgbm.shap, jsTarget: bench.lightgbm.shap,
        };
        for (const engine of ["wasm", "js"] as const) {
          const { medianMs } = time(() => scorers[engine].predict(subset, n, { type: "contrib" }), {
            warmupMs: 0, minWarmups: 1, minRuns: 3, maxRuns: 15, budgetMs: 3000,
          });
          figure[engine] = Math.round((n / medianMs) * 1000 * 10) / 10;
        }
        figures.push(figure);
      });

      it("model decode: text to validated layout in WASM memory", () => {
        const heavy = text.length > 1e6;
        const { medianMs } = time(() => new lib.Scorer(lib.loadModel(text), "wasm"), {
          warmupMs: heavy ? 0 : 200, minWarmups: 2, minRuns: heavy ? 7 : 20, maxRuns: heavy ? 9 : 200, budgetMs: 3000,
        });
        figures.push({
          model: bench.name, measure: `model decode (${(text.length / 1e6).toFixed(1)} MB text)`, unit: "ms",
          wasm: Math.round(medianMs * 100) / 100, lightgbm: bench.lightgbm.loadMs, lightgbmMeasured: measured(bench.name, "loadMs"),
          target: bench.targets.decodeMs,
        });
      });
    });
  }

  describe("package", () => {
    it("kernel and Lambda archive sizes", () => {
      const wasmBytes = statSync(join(ROOT, "build", "kernel.wasm")).size;
      figures.push({ model: "-", measure: "kernel.wasm", unit: "KB", wasm: kb(wasmBytes), target: 64 });
      const { bytes, method } = archiveSize(join(ROOT, "build", "lambda"));
      figures.push({ model: "-", measure: `Lambda archive (${method})`, unit: "KB", wasm: kb(bytes), target: 500 });
    });
  });

  after(() => {
    if (figures.length === 0) return;
    const table = markdownTable(figures);
    const measuredBy = lightgbmRun
      ? `LightGBM measured: ${lightgbmRun.lightgbm}, ${lightgbmRun.threads} thread(s), ${lightgbmRun.date} (bench/lightgbm-results.json)`
      : "LightGBM measured: none yet (npm run bench:lightgbm)";
    process.stdout.write(`\n${table}\n\n${measuredBy}\n`);
    const results = {
      date: new Date().toISOString(),
      machine: machine(),
      notes:
        "Medians after warm-up, one thread, bundled code; a run's time is its wall time or, when less, the process's CPU time over it (bench/support/timing.ts). lightgbm: LightGBM 4.6 C API (gcc -O3, one thread) on this machine class, from the issue; lightgbmMeasured: " +
        `${measuredBy}. ms and KB: lower is better.`,
      figures: figures.map((f) => ({ ...f, met: met(f) })),
    };
    writeFileSync(join(__dirname, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  });
});

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10;
}

/** The zipped size of a folder: the zip CLI when present, else each file deflated by zlib, summed. */
function archiveSize(folder: string): { bytes: number; method: string } {
  const files = readdirSync(folder).filter((name) => statSync(join(folder, name)).isFile());
  try {
    const dir = mkdtempSync(join(tmpdir(), "lgbm-bench-"));
    const zipPath = join(dir, "lambda.zip");
    try {
      execFileSync("zip", ["-q", "-9", "-X", zipPath, ...files], { cwd: folder, stdio: "ignore" });
      return { bytes: statSync(zipPath).size, method: "zip -9" };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    const bytes = files.reduce((sum, name) => sum + deflateRawSync(readFileSync(join(folder, name)), { level: 9 }).length, 0);
    return { bytes, method: "zlib deflate per file, no zip headers" };
  }
}

function met(f: Figure): boolean | undefined {
  const check = (value: number | undefined, target: number | undefined) =>
    value === undefined || target === undefined ? true : f.unit === "rows/s" ? value >= target : value <= target;
  if (f.target === undefined && f.jsTarget === undefined) return undefined;
  let ok = check(f.wasm, f.target) && check(f.js, f.jsTarget);
  // where the JS engine has a batch target, WASM must also beat it 1.5 times
  if (f.jsTarget !== undefined && f.measure.startsWith("batch") && f.wasm !== undefined && f.js !== undefined) {
    ok &&= f.wasm >= 1.5 * f.js;
  }
  return ok;
}

function format(value: number | undefined, unit: Unit): string {
  if (value === undefined) return "";
  if (unit === "rows/s") return value >= 100 ? Math.round(value).toLocaleString("en-US") : String(value);
  return String(value);
}

function ratio(value: number | undefined, reference: number | undefined, unit: Unit): string {
  if (value === undefined || reference === undefined || unit !== "rows/s") return "";
  return ` (${(value / reference).toFixed(1)}×)`;
}

export function markdownTable(rows: Figure[]): string {
  const lines = [
    "| model | measure | unit | WASM | JS | LightGBM 4.6 (issue) | LightGBM measured | target | met |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  for (const f of rows) {
    const bound = f.unit === "rows/s" ? "≥" : "≤";
    const target = [
      f.target !== undefined ? `${f.jsTarget !== undefined ? "WASM " : ""}${bound} ${format(f.target, f.unit)}` : "",
      f.jsTarget !== undefined ? `JS ${bound} ${format(f.jsTarget, f.unit)}` : "",
      f.jsTarget !== undefined && f.measure.startsWith("batch") ? "WASM ≥ 1.5 × JS" : "",
    ].filter(Boolean).join(", ");
    const ok = met(f);
    lines.push(
      `| ${f.model} | ${f.measure} | ${f.unit} | ${format(f.wasm, f.unit)}${ratio(f.wasm, f.lightgbm, f.unit)} | ` +
        `${format(f.js, f.unit)}${ratio(f.js, f.lightgbm, f.unit)} | ${format(f.lightgbm, f.unit)} | ${format(f.lightgbmMeasured, f.unit)} | ${target} | ` +
        `${ok === undefined ? "" : ok ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}

function machine(): Record<string, string | number> {
  const cpuInfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return { cpu: model, cores: cpus().length, node: process.version };
}
