// lgbm-lambda CLI: score a CSV with a LightGBM model.txt, printing what LightGBM would predict.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { EngineName } from "../engines/engine";
import { loadModel } from "../model/load-model";
import { PREDICTION_TYPES, type PredictionType, Scorer } from "../scorer";
import { InputError, readCsv } from "./csv";

const USAGE = `usage: lgbm-lambda predict MODEL DATA [--type normal|raw|contrib|leaf] [--engine wasm|js]
                           [--start-iteration N] [--num-iteration N] [--no-header]

  MODEL  a LightGBM text model (model.txt)
  DATA   CSV whose first line names the model's features (any order; - reads stdin);
         nan, NaN or an empty field is a missing value. --no-header: columns in model order.
Prints one line per row, tab-separated, in LightGBM's column order.`;

class UsageError extends Error {}

function main(argv: string[]): void {
  const { values: options, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: "string", default: "normal" },
      engine: { type: "string", default: "wasm" },
      "start-iteration": { type: "string" },
      "num-iteration": { type: "string" },
      "no-header": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, modelPath, dataPath, ...extra] = positionals;
  if (command !== "predict") throw new UsageError(command === undefined ? "missing command (predict)" : `unknown command "${command}"`);
  if (modelPath === undefined || dataPath === undefined) throw new UsageError("predict needs MODEL and DATA");
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const type = oneOf("--type", options.type, PREDICTION_TYPES);
  const engine = oneOf<EngineName>("--engine", options.engine, ["wasm", "js"]);
  const startIteration = integerOption("--start-iteration", options["start-iteration"]);
  const numIteration = integerOption("--num-iteration", options["num-iteration"]);

  const model = inFile(modelPath, () => loadModel(readText(modelPath, "model")));
  const table = inFile(dataPath, () => readCsv(readText(dataPath, "data"), model.file.featureNames, !options["no-header"]));
  const prediction = new Scorer(model, engine).predict(table.values, table.numRows, { type, startIteration, numIteration });
  writeRows(prediction.values, prediction.numRows, prediction.width);
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

function integerOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`${flag} must be an integer, got "${value}"`);
  return Number(value);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`cannot read the ${what} file: ${(code && READ_ERRORS[code]) ?? code ?? String(error)}`);
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "is a directory",
  EACCES: "permission denied",
};

/** Runs `read`, naming `path` in any error it throws. */
function inFile<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Error) error.message = `${path === "-" ? "stdin" : path}: ${error.message}`;
    throw error;
  }
}

/** Numbers as JavaScript prints them: the shortest text that reads back as the same double. */
function writeRows(values: Float64Array, numRows: number, width: number): void {
  const ROWS_PER_WRITE = 1024;
  for (let first = 0; first < numRows; first += ROWS_PER_WRITE) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(first + ROWS_PER_WRITE, numRows); i++) {
      lines.push(Array.from(values.subarray(i * width, (i + 1) * width), String).join("\t"));
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0); // reader went away (e.g. | head)
  process.stderr.write(`lgbm-lambda: cannot write the output: ${error.code ?? error.message}\n`);
  process.exit(1);
});

try {
  main(process.argv.slice(2));
} catch (error) {
  const usage = error instanceof UsageError || String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`lgbm-lambda: ${message.replace(/\s*\n\s*/g, " ")}\n`); // one line (parseArgs' can have three)
  if (usage) process.stderr.write("run with --help for usage\n");
  process.exitCode = usage ? 2 : 1;
}
