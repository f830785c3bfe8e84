// Property-based fuzzing of the model loader (fast-check): generated corruptions of real model files.
// Each must give a clear ModelFormatError, or load into a model that both engines score identically;
// never a WASM trap, an exception of another kind, or a hang. And a service whose model file is
// replaced by a corrupt one keeps serving the model it has.
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelFormatError } from "../src/model/errors";
import { loadModel } from "../src/model/load-model";
import { type PredictionType, Scorer, UnsupportedRequestError } from "../src/scorer";
import { createService } from "../src/serving/service";
import { fixtureCase, readInputs } from "./support/fixtures";

const SEED = Number(process.env.FC_SEED ?? 20261125);
const CASES = ["golden/adult_binary", "golden/categorical_wide", "golden/linear_tree", "golden/multiclass", "golden/stump_trees", "peer-models/mixed_categorical", "peer-models/pure_categorical"];
const originals = new Map(CASES.map((id) => [id, fixtureCase(id).text("model.txt")]));

/** One damage to a model's text, chosen by fast-check. */
type Corruption = (text: string) => string;

const pickLine = (text: string, index: number) => {
  const lines = text.split("\n");
  return { lines, at: index % lines.length };
};
/** A line of a tree block (key=value with a list), where damage matters most. */
const pickTreeLine = (text: string, index: number) => {
  const lines = text.split("\n");
  const treeLines = lines.flatMap((line, i) => (/^(split_feature|threshold|decision_type|left_child|right_child|leaf_value|leaf_count|internal_count|cat_boundaries|cat_threshold|num_leaves|num_cat|leaf_const|num_features|leaf_features|leaf_coeff)=/.test(line) ? [i] : []));
  return { lines, at: treeLines[index % treeLines.length] };
};

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.nat().map((cut) => (text: string) => text.slice(0, cut % text.length)),
  fc.nat().map((i) => (text: string) => {
    const { lines, at } = pickLine(text, i);
    lines.splice(at, 1);
    return lines.join("\n");
  }),
  fc.nat().map((i) => (text: string) => {
    const { lines, at } = pickLine(text, i);
    lines.splice(at, 0, lines[at]);
    return lines.join("\n");
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom("abc", "", "-", "1e999", "nan", "inf", "0x10", "2147483648", "-2147483649", "99999999999"), fc.integer().map(String))).map(
    ([i, j, replacement]) => (text: string) => {
      const { lines, at } = pickTreeLine(text, i);
      if (at === undefined) return text;
      const [key, value] = lines[at].split("=");
      const tokens = value.split(" ");
      tokens[j % tokens.length] = replacement;
      lines[at] = `${key}=${tokens.join(" ")}`;
      return lines.join("\n");
    },
  ),
  fc.tuple(fc.nat(), fc.integer({ min: -40, max: 40 })).map(([i, child]) => (text: string) => {
    const { lines, at } = pickTreeLine(text.replace(/^(left|right)_child=/gm, "@$&"), i);
    if (at === undefined) return text;
    const target = lines.findIndex((line, k) => k >= at && line.startsWith("@"));
    if (target < 0) return text;
    const [key, value] = lines[target].slice(1).split("=");
    const tokens = value.split(" ");
    tokens[Math.abs(child) % tokens.length] = String(child);
    lines[target] = `${key}=${tokens.join(" ")}`;
    return lines.join("\n").replace(/^@/gm, "");
  }),
  fc.nat().map((i) => (text: string) => {
    const { lines, at } = pickTreeLine(text, i);
    if (at === undefined) return text;
    lines[at] = lines[at].replace(/ \S+$/, ""); // a list one value short
    return lines.join("\n");
  }),
  fc.nat().map((i) => (text: string) => text.replace(/^cat_boundaries=(.*) (\d+)$/m, (_, head, last) => `cat_boundaries=${head} ${Number(last) + 1 + (i % 7)}`)),
  fc.constantFrom(2000000000, 2147483647, 65536).map((n) => (text: string) => text.replace(/^num_leaves=\d+$/m, `num_leaves=${n}`)),
);

function scoreBothEngines(modelText: string, id: string): void {
  const model = loadModel(modelText);
  const { rows } = readInputs(fixtureCase(id));
  const n = 8;
  const x = rows.subarray(0, n * model.layout.numFeatures);
  const types: PredictionType[] = ["normal", "leaf", "contrib"];
  for (const type of types) {
    const results = (["wasm", "js"] as const).map((engine) => {
      try {
        return Array.from(new Scorer(model, engine).predict(x, n, { type }).values);
      } catch (error) {
        if (error instanceof UnsupportedRequestError) return error.message;
        throw error;
      }
    });
    expect(results[0], `${type}: engines differ`).to.deep.equal(results[1]);
  }
}

describe("fuzz: model files", function () {
  this.timeout(120_000);

  it("a corrupted model is a ModelFormatError naming its line, or loads and scores the same on both engines", () => {
    let refused = 0;
    let loaded = 0;
    fc.assert(
      fc.property(fc.constantFrom(...CASES), fc.array(corruption, { minLength: 1, maxLength: 3 }), (id, damages) => {
        const text = damages.reduce((current, damage) => damage(current), originals.get(id)!);
        const started = performance.now();
        try {
          scoreBothEngines(text, id);
          loaded++;
        } catch (error) {
          if (!(error instanceof ModelFormatError)) throw error;
          expect(error.message).to.match(/\S/);
          refused++;
        }
        expect(performance.now() - started, "loading and scoring took too long").to.be.below(3000);
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect(refused).to.be.greaterThan(100);
    expect(loaded).to.be.greaterThan(10);
  });

  describe("a hot reload that meets a corrupt file", () => {
    const directory = mkdtempSync(join(tmpdir(), "lgbm-lambda-reload-"));
    const modelPath = join(directory, "model.txt");
    const adult = originals.get("golden/adult_binary")!;
    const seedRow = JSON.stringify([[39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39]]);
    const log = console.log;
    before(() => (console.log = () => undefined));
    after(() => {
      console.log = log;
      rmSync(directory, { recursive: true, force: true });
    });

    it("keeps serving the previous model, then takes the next good one", async () => {
      writeFileSync(modelPath, adult);
      const service = await createService({ MODEL_PATH: modelPath, MODEL_REFRESH_SECONDS: "0" });
      const ask = async (path: string, body?: string) => {
        const response = await service.handle({
          version: "2.0", routeKey: "", rawPath: path, rawQueryString: "", headers: {}, isBase64Encoded: false, body,
          requestContext: { http: { method: body ? "POST" : "GET", path } } as never,
        });
        return { status: response.statusCode, json: JSON.parse(response.body) };
      };
      const first = await ask("/health");
      await fc.assert(
        fc.asyncProperty(fc.array(corruption, { minLength: 1, maxLength: 2 }), async (damages) => {
          const text = damages.reduce((current, damage) => damage(current), adult);
          let valid = true;
          try {
            loadModel(text);
          } catch {
            valid = false;
          }
          fc.pre(!valid); // only corruptions the loader refuses
          writeFileSync(modelPath, `${text}\n`); // a different size, so the change is seen
          const health = await ask("/health");
          expect(health.status).to.equal(200);
          expect(health.json.model.sha256).to.equal(first.json.model.sha256);
          expect((await ask("/predict", seedRow)).json.predictions).to.deep.equal([0.03721967636976771]);
        }),
        { seed: SEED, numRuns: 60 },
      );
      writeFileSync(modelPath, adult.replace("objective=binary sigmoid:1", "objective=binary sigmoid:2"));
      const reloaded = await ask("/health");
      expect(reloaded.json.model.sha256).to.not.equal(first.json.model.sha256);
    });
  });
});
