// Black-box tests of the CLI contract: `node build/cli.js predict MODEL DATA [options]` run as a child
// process from the repo root. Output is held to LightGBM's own values bit for bit, and each number's
// text to JavaScript's shortest round-trip form (String(x)); every error is one line on stderr.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect } from "chai";
import { fixtureCase, type GoldenCase, readOutputs } from "./support/fixtures";

const ROOT = join(__dirname, "..");
const CLI = join(ROOT, "build", "cli.js");
const USAGE_HINT = "run with --help for usage";

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    input: input ?? "",
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command that must succeed silently; returns its stdout. */
function predict(args: string[], input?: string): string {
  const result = run(["predict", ...args], input);
  expect(result.stderr, `stderr of predict ${args.join(" ")}`).to.equal("");
  expect(result.status, `exit status of predict ${args.join(" ")}`).to.equal(0);
  return result.stdout;
}

/** An input error: exit 1, nothing on stdout, exactly one line on stderr. Returns that line. */
function expectInputError(args: string[], input?: string): string {
  const result = run(args, input);
  expect(result.stdout, "stdout").to.equal("");
  expect(result.stderr, "stderr").to.match(/^lgbm-lambda: [^\n]+\n$/);
  expect(result.status, `exit status (stderr: ${result.stderr})`).to.equal(1);
  return result.stderr.slice(0, -1);
}

/** A usage error: exit 2, nothing on stdout, one error line then the --help hint. Returns the first line. */
function expectUsageError(args: string[]): string {
  const result = run(args);
  expect(result.stdout, "stdout").to.equal("");
  expect(result.stderr, "stderr").to.match(new RegExp(`^lgbm-lambda: [^\\n]+\\n${USAGE_HINT}\\n$`));
  expect(result.status, `exit status (stderr: ${result.stderr})`).to.equal(2);
  return result.stderr.split("\n")[0];
}

/**
 * The first way `stdout` differs from an output file: line and column counts, each cell's value bit
 * for bit (Number(text) against LightGBM's 17-digit value) and each cell's text (String(value)).
 */
function firstDifference(stdout: string, expected: number[][]): string | null {
  if (!stdout.endsWith("\n")) return "stdout does not end with a newline";
  const lines = stdout.slice(0, -1).split("\n");
  if (lines.length !== expected.length) return `${lines.length} lines, expected ${expected.length}`;
  for (let i = 0; i < lines.length; i++) {
    const cells = lines[i].split("\t");
    if (cells.length !== expected[i].length) return `line ${i + 1}: ${cells.length} columns, expected ${expected[i].length}`;
    for (let k = 0; k < cells.length; k++) {
      const value = Number(cells[k]);
      if (!Object.is(value, expected[i][k])) return `line ${i + 1} column ${k}: "${cells[k]}", LightGBM ${expected[i][k]}`;
      if (cells[k] !== String(value)) return `line ${i + 1} column ${k}: "${cells[k]}" is not String(${value})`;
    }
  }
  return null;
}

/** Path of a fixture file relative to the repo root (the CLI's cwd), as a user would type it. */
const fixturePath = (c: GoldenCase, file: string) => relative(ROOT, join(c.dir, file));

/** X.csv split into its header and rows of cells. */
function csvTable(c: GoldenCase): { header: string[]; rows: string[][] } {
  const lines = c.text("X.csv").trimEnd().split("\n");
  return { header: lines[0].split(","), rows: lines.slice(1).map((line) => line.split(",")) };
}

const csvText = (header: string[] | null, rows: string[][], eol = "\n") =>
  [...(header ? [header.join(",")] : []), ...rows.map((row) => row.join(","))].join(eol) + eol;

let tmp = "";
let fileCount = 0;
/** Writes `text` to a new file in the temp dir and returns its path. */
function tempFile(text: string, name = "data.csv"): string {
  const path = join(tmp, `${fileCount++}-${name}`);
  writeFileSync(path, text);
  return path;
}

describe("cli", () => {
  before(function () {
    this.timeout(300_000);
    execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
    tmp = mkdtempSync(join(tmpdir(), "lgbm-cli-test-"));
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const OUTPUTS = [
    ["normal", "pred.txt"],
    ["raw", "raw.txt"],
    ["contrib", "contrib.txt"],
    ["leaf", "leaf.txt"],
  ] as const;

  const CASES: { id: string; engines: ("wasm" | "js")[] }[] = [
    { id: "golden/adult_binary", engines: ["wasm", "js"] },
    { id: "golden/multiclass", engines: ["wasm", "js"] },
    { id: "golden/linear_tree", engines: ["wasm", "js"] },
    { id: "peer-models/leaf_scan", engines: ["wasm", "js"] }, // X.csv has one column: no comma at all
    { id: "peer-models/mtpl2", engines: ["wasm"] }, // 1000 trees, leaf.txt has 1000 columns
  ];

  describe("predict prints LightGBM's outputs exactly", () => {
    for (const { id, engines } of CASES) {
      const c = fixtureCase(id);
      describe(id, () => {
        for (const engine of engines) {
          for (const [type, file] of OUTPUTS) {
            if (!c.has(file)) continue;
            it(`--type ${type} --engine ${engine} equals ${file}`, () => {
              const args = [fixturePath(c, "model.txt"), fixturePath(c, "X.csv"), "--type", type, "--engine", engine];
              expect(firstDifference(predict(args), readOutputs(c, file))).to.equal(null);
            });
          }
        }
      });
    }

    it("the default type is normal and the default engine wasm", () => {
      const c = fixtureCase("golden/multiclass");
      const model = fixturePath(c, "model.txt");
      const data = fixturePath(c, "X.csv");
      const byDefault = predict([model, data]);
      expect(firstDifference(byDefault, readOutputs(c, "pred.txt"))).to.equal(null);
      expect(predict([model, data, "--type", "normal", "--engine", "wasm"])).to.equal(byDefault);
      expect(predict([model, data, "--type=normal", "--engine=js"])).to.equal(byDefault);
    });

    it("a header without rows prints nothing", () => {
      const c = fixtureCase("golden/adult_binary");
      const data = tempFile(csvText(csvTable(c).header, []));
      expect(predict([fixturePath(c, "model.txt"), data])).to.equal("");
    });
  });

  describe("reading DATA", () => {
    const adult = fixtureCase("golden/adult_binary");
    const multiclass = fixtureCase("golden/multiclass");
    const leafScan = fixtureCase("peer-models/leaf_scan");

    for (const c of [adult, multiclass]) {
      it(`${c.id}: columns in a shuffled order give identical output`, () => {
        const { header, rows } = csvTable(c);
        // A fixed permutation that moves every column: reversed, then rotated by 3.
        const order = header.map((_, f) => header.length - 1 - f);
        const shuffle = <T>(cells: T[]) => [...order.slice(3), ...order.slice(0, 3)].map((f) => cells[f]);
        expect(shuffle(header)).not.to.deep.equal(header);
        const shuffled = tempFile(csvText(shuffle(header), rows.map(shuffle)));
        for (const type of ["normal", "contrib"]) {
          const args = [fixturePath(c, "model.txt"), "--type", type];
          expect(predict([...args, shuffled])).to.equal(predict([...args, fixturePath(c, "X.csv")]));
        }
      });

      it(`${c.id}: --no-header with rows in model order gives identical output`, () => {
        const { rows } = csvTable(c);
        const headerless = tempFile(csvText(null, rows));
        const model = fixturePath(c, "model.txt");
        expect(predict([model, headerless, "--no-header"])).to.equal(predict([model, fixturePath(c, "X.csv")]));
        const leaves = predict([model, fixturePath(c, "X.csv"), "--type", "leaf"]);
        expect(predict([model, headerless, "--no-header", "--type", "leaf"])).to.equal(leaves);
      });
    }

    for (const c of [multiclass, leafScan]) {
      it(`${c.id}: nan, NaN and an empty field all mean missing`, () => {
        const { header, rows } = csvTable(c);
        const missing = rows.flat().filter((cell) => cell === "nan").length;
        expect(missing).to.be.greaterThan(10);
        const withMissing = (spell: (n: number) => string) => {
          let n = 0;
          return tempFile(csvText(header, rows.map((row) => row.map((cell) => (cell === "nan" ? spell(n++) : cell)))));
        };
        const model = fixturePath(c, "model.txt");
        for (const type of ["normal", "contrib"]) {
          const expected = readOutputs(c, type === "normal" ? "pred.txt" : "contrib.txt");
          const outputs = [
            predict([model, withMissing(() => "nan"), "--type", type]),
            predict([model, withMissing(() => "NaN"), "--type", type]),
            predict([model, withMissing(() => ""), "--type", type]),
            predict([model, withMissing((n) => ["nan", "NaN", ""][n % 3]), "--type", type]),
          ];
          for (const output of outputs) expect(firstDifference(output, expected)).to.equal(null);
        }
      });
    }

    it("an empty field in a row of several columns is missing (leading, middle and trailing)", () => {
      const c = multiclass;
      const { header, rows } = csvTable(c);
      const last = header.length - 1;
      const row = rows.findIndex((cells) => cells[0] === "nan" || cells[last] === "nan");
      expect(row).to.be.greaterThan(-1);
      const emptied = rows.map((cells) => cells.map((cell) => (cell === "nan" ? "" : cell)));
      const text = csvText(header, emptied);
      expect(text).to.match(/(^|\n),/).and.to.match(/,(\n|$)/); // some line starts or ends with an empty field
      const output = predict([fixturePath(c, "model.txt"), tempFile(text)]);
      expect(firstDifference(output, readOutputs(c, "pred.txt"))).to.equal(null);
    });

    for (const c of [adult, leafScan]) {
      it(`${c.id}: CRLF line endings, with or without a final newline`, () => {
        const { header, rows } = csvTable(c);
        const model = fixturePath(c, "model.txt");
        const expected = predict([model, fixturePath(c, "X.csv")]);
        expect(firstDifference(expected, readOutputs(c, "pred.txt"))).to.equal(null);
        const crlf = csvText(header, rows, "\r\n");
        const variants = {
          "CRLF, final CRLF": crlf,
          "CRLF, no final newline": crlf.slice(0, -2),
          "LF, no final newline": csvText(header, rows).slice(0, -1),
          "LF, extra blank line at the end": `${csvText(header, rows)}\n`,
        };
        for (const [name, text] of Object.entries(variants)) {
          expect(predict([model, tempFile(text)]), name).to.equal(expected);
        }
        expect(predict([model, tempFile(csvText(null, rows, "\r\n")), "--no-header"]), "CRLF --no-header").to.equal(expected);
      });
    }

    it("DATA - reads stdin", () => {
      for (const c of [adult, leafScan]) {
        const model = fixturePath(c, "model.txt");
        const expected = predict([model, fixturePath(c, "X.csv"), "--type", "contrib"]);
        expect(predict([model, "-", "--type", "contrib"], c.text("X.csv"))).to.equal(expected);
        expect(predict([model, "-", "--type", "contrib", "--no-header"], csvText(null, csvTable(c).rows))).to.equal(expected);
      }
    });

    it("a header line's quoted names and a leading byte-order mark are accepted", () => {
      const { header, rows } = csvTable(adult);
      const model = fixturePath(adult, "model.txt");
      const expected = predict([model, fixturePath(adult, "X.csv")]);
      expect(predict([model, tempFile(csvText(header.map((name) => `"${name}"`), rows))])).to.equal(expected);
      expect(predict([model, tempFile(`\uFEFF${csvText(header, rows)}`)])).to.equal(expected);
    });
  });

  describe("--start-iteration and --num-iteration", () => {
    const adult = fixtureCase("golden/adult_binary");
    const multiclass = fixtureCase("golden/multiclass");
    const args = (c: GoldenCase, ...more: string[]) => [fixturePath(c, "model.txt"), fixturePath(c, "X.csv"), ...more];
    const columns = (table: number[][], begin: number, end: number) => table.map((row) => row.slice(begin, end));

    for (const engine of ["wasm", "js"]) {
      it(`--num-iteration 50 on adult_binary equals pred_iter50.txt (${engine})`, () => {
        const output = predict(args(adult, "--num-iteration", "50", "--engine", engine));
        expect(firstDifference(output, readOutputs(adult, "pred_iter50.txt"))).to.equal(null);
      });

      it(`--type leaf --start-iteration 10 --num-iteration 5 equals columns 10..14 of leaf.txt (${engine})`, () => {
        const output = predict(args(adult, "--type", "leaf", "--start-iteration", "10", "--num-iteration", "5", "--engine", engine));
        expect(firstDifference(output, columns(readOutputs(adult, "leaf.txt"), 10, 15))).to.equal(null);
      });
    }

    it("multiclass: iterations select num_class trees each (iteration-major)", () => {
      const output = predict(args(multiclass, "--type", "leaf", "--start-iteration", "10", "--num-iteration", "5"));
      expect(firstDifference(output, columns(readOutputs(multiclass, "leaf.txt"), 50, 75))).to.equal(null);
      const tail = predict(args(multiclass, "--type", "leaf", "--start-iteration", "30"));
      expect(firstDifference(tail, columns(readOutputs(multiclass, "leaf.txt"), 150, 200))).to.equal(null);
    });

    it("num-iteration 0, a negative one or more than the model has mean all; --start-iteration 0 is the default", () => {
      const all = predict(args(adult, "--type", "raw"));
      expect(firstDifference(all, readOutputs(adult, "raw.txt"))).to.equal(null);
      expect(predict(args(adult, "--type", "raw", "--num-iteration", "0"))).to.equal(all);
      expect(predict(args(adult, "--type", "raw", "--num-iteration=-1"))).to.equal(all);
      expect(predict(args(adult, "--type", "raw", "--num-iteration", "1000"))).to.equal(all);
      expect(predict(args(adult, "--type", "raw", "--start-iteration", "0", "--num-iteration", "100"))).to.equal(all);
    });
  });

  describe("errors are one line on stderr, a non-zero exit and no stdout", () => {
    const c = fixtureCase("golden/adult_binary");
    const model = fixturePath(c, "model.txt");
    const data = fixturePath(c, "X.csv");
    const table = () => csvTable(c);

    describe("bad DATA (exit 1)", () => {
      it("an unknown column is named", () => {
        const { header, rows } = table();
        const line = expectInputError(["predict", model, tempFile(csvText(header.map((n) => (n === "Sex" ? "Gender" : n)), rows))]);
        expect(line).to.include('unknown column "Gender"');
      });

      it("a missing column is named", () => {
        const { header, rows } = table();
        const drop = header.indexOf("Hours_per_week");
        const without = <T>(cells: T[]) => cells.filter((_, k) => k !== drop);
        const line = expectInputError(["predict", model, tempFile(csvText(without(header), rows.map(without)))]);
        expect(line).to.include('missing column "Hours_per_week"');
      });

      it("a duplicated column is named", () => {
        const { header, rows } = table();
        const line = expectInputError(["predict", model, tempFile(csvText([...header, "Age"], rows.map((row) => [...row, row[0]])))]);
        expect(line).to.include('column "Age" appears twice');
      });

      it("a row with too few or too many fields names its line", () => {
        const { header, rows } = table();
        const short = rows.map((row, i) => (i === 1 ? row.slice(0, -1) : row)); // file line 3
        expect(expectInputError(["predict", model, tempFile(csvText(header, short))])).to.match(/\bline 3: 11 fields, expected 12\b/);
        const long = rows.map((row, i) => (i === 2 ? [...row, "1"] : row)); // file line 4
        expect(expectInputError(["predict", model, tempFile(csvText(header, long))])).to.match(/\bline 4: 13 fields, expected 12\b/);
        const headerless = tempFile(csvText(null, short));
        expect(expectInputError(["predict", model, headerless, "--no-header"])).to.match(/\bline 2: 11 fields\b/);
      });

      it("a non-numeric cell names the value, its column and line", () => {
        const { header, rows } = table();
        const sex = header.indexOf("Sex");
        const bad = rows.map((row, i) => (i === 4 ? row.map((cell, k) => (k === sex ? "male" : cell)) : row));
        const line = expectInputError(["predict", model, tempFile(csvText(header, bad))]);
        expect(line).to.include('"male"').and.to.include("Sex").and.to.match(/\bline 6\b/);
      });

      it("a header line given with --no-header is a non-numeric cell", () => {
        expect(expectInputError(["predict", model, data, "--no-header"])).to.include('"Age"');
      });

      it("an empty data file, a missing one, a directory", () => {
        expect(expectInputError(["predict", model, tempFile("")])).to.include("empty");
        const missing = join(tmp, "no-such.csv");
        expect(expectInputError(["predict", model, missing])).to.include(missing).and.to.include("no such file");
        expect(expectInputError(["predict", model, tmp])).to.include(tmp).and.to.include("is a directory");
      });

      it("stdin errors are reported as stdin", () => {
        const { header, rows } = table();
        const line = expectInputError(["predict", model, "-"], csvText(header.slice(1), rows.map((row) => row.slice(1))));
        expect(line).to.equal('lgbm-lambda: stdin: missing column "Age"');
      });
    });

    describe("bad MODEL (exit 1)", () => {
      it("a nonexistent model file", () => {
        const missing = join(tmp, "no-such-model.txt");
        const line = expectInputError(["predict", missing, data]);
        expect(line).to.equal(`lgbm-lambda: ${missing}: cannot read the model file: no such file`);
      });

      it("a directory as model", () => {
        const dir = join(tmp, "model-dir");
        mkdirSync(dir, { recursive: true });
        expect(expectInputError(["predict", dir, data])).to.equal(`lgbm-lambda: ${dir}: cannot read the model file: is a directory`);
      });

      it("an empty or truncated model", () => {
        const text = c.text("model.txt");
        const empty = tempFile("", "model.txt");
        expect(expectInputError(["predict", empty, data])).to.include(empty);
        for (const length of [200, 2000, Math.floor(text.length / 3)]) {
          const truncated = tempFile(text.slice(0, length), "model.txt");
          expect(expectInputError(["predict", truncated, data]), `truncated to ${length} chars`).to.include(truncated);
        }
      });

      it("a CSV given as the model", () => {
        expectInputError(["predict", data, data]);
      });

      it("--type contrib on golden/linear_tree (LightGBM refuses it)", () => {
        const linear = fixtureCase("golden/linear_tree");
        for (const engine of ["wasm", "js"]) {
          const args = [fixturePath(linear, "model.txt"), fixturePath(linear, "X.csv"), "--type", "contrib", "--engine", engine];
          const line = expectInputError(["predict", ...args]);
          expect(line).to.include("linear trees");
        }
      });
    });

    describe("bad arguments (exit 2, then the --help hint)", () => {
      it("no command, an unknown command", () => {
        expect(expectUsageError([])).to.equal("lgbm-lambda: missing command (predict)");
        expect(expectUsageError(["score", model, data])).to.equal('lgbm-lambda: unknown command "score"');
      });

      it("missing MODEL or DATA, an extra argument", () => {
        expect(expectUsageError(["predict"])).to.equal("lgbm-lambda: predict needs MODEL and DATA");
        expect(expectUsageError(["predict", model])).to.equal("lgbm-lambda: predict needs MODEL and DATA");
        expect(expectUsageError(["predict", model, data, "more.csv"])).to.equal('lgbm-lambda: unexpected argument "more.csv"');
      });

      it("an unknown option", () => {
        expect(expectUsageError(["predict", model, data, "--bogus"])).to.include("--bogus");
        expect(expectUsageError(["predict", model, data, "-x"])).to.include("-x");
      });

      it("bad --type and --engine values", () => {
        expect(expectUsageError(["predict", model, data, "--type", "proba"])).to.equal(
          'lgbm-lambda: --type must be one of normal, raw, contrib, leaf, got "proba"',
        );
        expect(expectUsageError(["predict", model, data, "--engine", "gpu"])).to.equal(
          'lgbm-lambda: --engine must be one of wasm, js, got "gpu"',
        );
        expect(expectUsageError(["predict", model, data, "--type"])).to.include("--type");
      });

      it("non-integer iteration options", () => {
        for (const value of ["1.5", "ten", "", "1e2"]) {
          expect(expectUsageError(["predict", model, data, `--num-iteration=${value}`])).to.equal(
            `lgbm-lambda: --num-iteration must be an integer, got "${value}"`,
          );
        }
        expect(expectUsageError(["predict", model, data, "--start-iteration", "x"])).to.equal(
          'lgbm-lambda: --start-iteration must be an integer, got "x"',
        );
        // parseArgs' own three-line message for a value that looks like an option comes out as one line
        expect(expectUsageError(["predict", model, data, "--num-iteration", "-1"])).to.include("--num-iteration=-");
      });

      it("usage errors are found before the files are read", () => {
        expect(expectUsageError(["predict", join(tmp, "nope.txt"), join(tmp, "nope.csv"), "--type", "x"])).to.include("--type");
      });
    });
  });

  describe("--help", () => {
    for (const args of [["--help"], ["-h"], ["predict", "--help"]]) {
      it(`${args.join(" ")} prints usage and exits 0`, () => {
        const result = run(args);
        expect(result.stderr).to.equal("");
        expect(result.status).to.equal(0);
        expect(result.stdout).to.match(/^usage: lgbm-lambda predict MODEL DATA /);
        for (const word of ["--type", "--engine", "--start-iteration", "--num-iteration", "--no-header"]) {
          expect(result.stdout).to.include(word);
        }
      });
    }
  });

  describe("output to a reader that goes away", () => {
    // mtpl2's leaf output (~650 kB) is far bigger than a pipe's buffer.
    const mtpl2 = fixtureCase("peer-models/mtpl2");
    const args = ["predict", fixturePath(mtpl2, "model.txt"), fixturePath(mtpl2, "X.csv"), "--type", "leaf"];

    it("| head -1 exits 0 without an EPIPE stack trace", () => {
      const script = `node build/cli.js ${args.join(" ")} | head -1; echo "status \${PIPESTATUS[0]}" >&2`;
      const result = spawnSync("bash", ["-c", script], { cwd: ROOT, encoding: "utf8" });
      expect(result.stdout.split("\n")).to.have.length(2);
      expect(result.stdout.split("\t")).to.have.length(1000);
      expect(result.stderr).to.equal("status 0\n");
    });

    it("a reader that closes the pipe after the first chunk: exit 0, nothing on stderr", async () => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
      let chunks = 0;
      child.stdout.on("data", () => {
        if (chunks++ === 0) child.stdout.destroy();
      });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.on("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
      );
      expect(chunks).to.equal(1);
      expect(stderr).to.equal("");
      expect([code, signal]).to.deep.equal([0, null]);
    });

    it("a write error other than EPIPE (a full disk) is one line and exit 1", function () {
      if (!existsSync("/dev/full")) this.skip();
      const result = spawnSync("bash", ["-c", `node build/cli.js ${args.join(" ")} > /dev/full`], { cwd: ROOT, encoding: "utf8" });
      expect(result.stderr).to.equal("lgbm-lambda: cannot write the output: ENOSPC\n");
      expect(result.status).to.equal(1);
    });
  });

  describe("through npm, as in the contract", () => {
    it("npm run --silent cli -- predict ... prints what node build/cli.js prints", function () {
      this.timeout(60_000);
      const c = fixtureCase("golden/multiclass");
      const args = ["predict", fixturePath(c, "model.txt"), fixturePath(c, "X.csv"), "--type", "raw", "--engine", "js"];
      const npm = spawnSync("npm", ["run", "--silent", "cli", "--", ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
      // npm may warn on stderr (e.g. "Unknown user config nodedir"); the CLI itself must not write there.
      expect(npm.stderr).not.to.include("lgbm-lambda");
      expect(npm.status, npm.stderr).to.equal(0);
      const direct = run(args);
      expect(direct.stderr).to.equal("");
      expect(npm.stdout).to.equal(direct.stdout);
      expect(firstDifference(npm.stdout, readOutputs(c, "raw.txt"))).to.equal(null);
    });
  });
});
