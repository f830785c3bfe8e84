// The served function end to end: npm start's program (real s3rver, the bundled handler, an API
// Gateway v2 stand-in) over real HTTP on loopback.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exp } from "../src/math";
import { LOCAL_S3_CREDENTIALS } from "../src/local/s3-server";
import { fixtureCase, readInputs, readOutputs } from "./support/fixtures";
import { type LocalStack, startLocalStack } from "../src/local/stack-process";
import { postJson, request } from "./support/http";

const ADULT = fixtureCase("golden/adult_binary");
const SEED_ROW = [39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39];
const SEED_NAMED = {
  Age: 39, Workclass: 7, "Education-Num": 13, Marital_Status: 4, Occupation: 1, Relationship: 0,
  Race: 4, Sex: 1, Capital_Gain: 2174, Capital_Loss: 0, Hours_per_week: 40, Country: 39,
};

function rowsOf(c: ReturnType<typeof fixtureCase>, count: number): number[][] {
  const { rows } = readInputs(c);
  const width = rows.length / readInputs(c).numRows;
  return Array.from({ length: count }, (_, i) => Array.from(rows.subarray(i * width, (i + 1) * width), (v) => (Number.isNaN(v) ? null : v))) as number[][];
}

describe("serving: the bundled handler behind a local API Gateway and S3", function () {
  this.timeout(60_000);

  describe("the example model (golden/adult_binary)", () => {
    let stack: LocalStack;
    before(async () => (stack = await startLocalStack({ MAX_ROWS: "50" })));
    after(() => stack.stop());

    it("answers the classic tutorial request: a bare array, form-encoded as curl -d sends it", async () => {
      const response = await request(`${stack.url}/predict`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: JSON.stringify([SEED_ROW]),
      });
      expect(response.status).to.equal(200);
      expect(response.json.predictions).to.deep.equal([0.03721967636976771]);
      expect(response.json.model).to.include({ key: "s3://models/model.txt", objective: "binary", num_class: 1 });
      expect(response.json.model.etag).to.match(/^[0-9a-f]{32}$/);
    });

    it("accepts rows keyed by feature name; absent features and null are missing values", async () => {
      const named = await postJson(`${stack.url}/predict`, { rows: [SEED_NAMED] });
      expect(named.json.predictions).to.deep.equal([0.03721967636976771]);
      const partial = await postJson(`${stack.url}/predict`, { rows: [{ Age: 39 }, { Age: 39, Workclass: null }] });
      const missing = await postJson(`${stack.url}/predict`, { rows: [[39, ...new Array(11).fill(null)]] });
      expect(partial.json.predictions).to.deep.equal([missing.json.predictions[0], missing.json.predictions[0]]);
    });

    it("gives every output type and iteration window as LightGBM does", async () => {
      const rows = rowsOf(ADULT, 20);
      const at = (file: string) => readOutputs(ADULT, file).slice(0, 20);
      const scalar = (file: string) => at(file).map((r) => r[0]);
      const ask = async (extra: object) => (await postJson(`${stack.url}/predict`, { rows, ...extra })).json.predictions;
      expect(await ask({})).to.deep.equal(scalar("pred.txt"));
      expect(await ask({ type: "raw" })).to.deep.equal(scalar("raw.txt"));
      expect(await ask({ type: "contrib" })).to.deep.equal(at("contrib.txt"));
      expect(await ask({ type: "leaf" })).to.deep.equal(at("leaf.txt"));
      expect(await ask({ num_iteration: 50 })).to.deep.equal(scalar("pred_iter50.txt"));
      expect(await ask({ type: "leaf", start_iteration: 90, num_iteration: 5 })).to.deep.equal(at("leaf.txt").map((r) => r.slice(90, 95)));
    });

    it("GET /model describes the features, objective and size", async () => {
      const { status, json } = await request(`${stack.url}/model`);
      expect(status).to.equal(200);
      expect(json).to.include({ version: "v4", objective: "binary sigmoid:1", num_class: 1, num_trees: 100, num_iterations: 100, max_rows: 50 });
      expect(json.features).to.have.length(12);
      expect(json.features[0]).to.deep.include({ name: "Age", kind: "numeric", range: [17, 90] });
      expect(json.features[1]).to.deep.include({ name: "Workclass", kind: "categorical", codes: [0, 1, 2, 4, 5, 6, 7, 8] });
    });

    it("GET /health is 200 with the model's identity", async () => {
      const { status, json } = await request(`${stack.url}/health`);
      expect(status).to.equal(200);
      expect(json.status).to.equal("ok");
    });

    it("logs one JSON line per request, flagging the cold start", async () => {
      const lines = stack.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
      const requests = lines.filter((line) => line.msg === "request");
      expect(requests[0]).to.include({ route: "POST /predict", status: 200, rows: 1, cold_start: true });
      expect(requests[1]).to.include({ cold_start: false });
      for (const line of requests) expect(line).to.have.keys("time", "level", "msg", "route", "status", "rows", "latency_ms", "model_etag", "cold_start", "request_id");
    });

    describe("bad requests get a 4xx with an error code and a message naming the problem", () => {
      const cases: [string, () => Promise<{ status: number; json: any }>, number, string, RegExp][] = [
        ["malformed JSON", () => request(`${stack.url}/predict`, { method: "POST", body: '{"rows": [[1,2' }), 400, "invalid_json", /not valid JSON/],
        ["an empty body", () => request(`${stack.url}/predict`, { method: "POST", body: "" }), 400, "invalid_body", /empty/],
        ["a wrong content type", () => request(`${stack.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: "1,2" }), 415, "unsupported_media_type", /text\/csv/],
        ["a JSON scalar", () => postJson(`${stack.url}/predict`, 42), 400, "invalid_body", /object or array/],
        ["rows not an array", () => postJson(`${stack.url}/predict`, { rows: "all" }), 400, "invalid_body", /"rows" must be an array/],
        ["a wrong row length", () => postJson(`${stack.url}/predict`, [[1, 2, 3]]), 400, "invalid_row", /row 0 has 3 values; the model has 12 features/],
        ["a row that is a string", () => postJson(`${stack.url}/predict`, [SEED_ROW, "oops"]), 400, "invalid_row", /row 1 is a string/],
        ["a non-finite string", () => postJson(`${stack.url}/predict`, [[...SEED_ROW.slice(0, 11), "NaN"]]), 400, "invalid_value", /row 0, feature "Country": "NaN" is a string/],
        ["a numeric string", () => postJson(`${stack.url}/predict`, [["39", ...SEED_ROW.slice(1)]]), 400, "invalid_value", /feature "Age"/],
        ["a number beyond double range", () => request(`${stack.url}/predict`, { method: "POST", body: `[[1e999${",0".repeat(11)}]]` }), 400, "invalid_value", /out of range/],
        ["nested garbage", () => postJson(`${stack.url}/predict`, [[[[1]], ...SEED_ROW.slice(1)]]), 400, "invalid_value", /an array is not a number/],
        ["a boolean", () => postJson(`${stack.url}/predict`, [[true, ...SEED_ROW.slice(1)]]), 400, "invalid_value", /a boolean/],
        ["an unknown feature name", () => postJson(`${stack.url}/predict`, { rows: [{ ...SEED_NAMED, age: 1 }] }), 400, "unknown_feature", /row 0: unknown feature "age"/],
        ["__proto__ and constructor keys", () => request(`${stack.url}/predict`, { method: "POST", body: '{"rows":[{"__proto__":{"Age":1},"constructor":1}]}' }), 400, "unknown_feature", /"__proto__", "constructor"/],
        ["a __proto__ top-level field", () => request(`${stack.url}/predict`, { method: "POST", body: '{"rows":[],"__proto__":{"type":"raw"}}' }), 400, "unknown_field", /"__proto__"/],
        ["an unknown field", () => postJson(`${stack.url}/predict`, { rows: [], kind: "raw" }), 400, "unknown_field", /"kind"/],
        ["an unknown output type", () => postJson(`${stack.url}/predict`, { rows: [SEED_ROW], type: "probability" }), 400, "invalid_type", /normal, raw, contrib, leaf/],
        ["a fractional num_iteration", () => postJson(`${stack.url}/predict`, { rows: [SEED_ROW], num_iteration: 2.5 }), 400, "invalid_parameter", /num_iteration/],
        ["more rows than MAX_ROWS", () => postJson(`${stack.url}/predict`, new Array(51).fill(SEED_ROW)), 413, "too_many_rows", /51 rows .* at most 50/],
        ["a body over 6 MB", () => request(`${stack.url}/predict`, { method: "POST", body: `[${"0,".repeat(3_200_000)}0]` }), 413, "payload_too_large", /6291456 bytes/],
        ["bytes that are not UTF-8", () => request(`${stack.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.from([0x5b, 0xff, 0xfe, 0x5d]) }), 400, "invalid_encoding", /UTF-8/],
      ];
      for (const [what, send, status, code, message] of cases) {
        it(what, async () => {
          const response = await send();
          expect(response.status, JSON.stringify(response.json)).to.equal(status);
          expect(response.json.error).to.equal(code);
          expect(response.json.message).to.match(message);
        });
      }

      it("after all of them, the good request still gets the same answer", async () => {
        expect((await postJson(`${stack.url}/predict`, [SEED_ROW])).json.predictions).to.deep.equal([0.03721967636976771]);
      });

      it("routes API Gateway does not define are its 404", async () => {
        expect((await request(`${stack.url}/nope`)).status).to.equal(404);
        expect((await request(`${stack.url}/predict`)).status).to.equal(404); // GET: no such route
      });
    });
  });

  describe("a multiclass model", () => {
    let stack: LocalStack;
    const c = fixtureCase("golden/multiclass");
    before(async () => (stack = await startLocalStack({ MODEL_FILE: join(c.dir, "model.txt") })));
    after(() => stack.stop());

    it("answers one array of class probabilities per row, and class-major contributions", async () => {
      const rows = rowsOf(c, 10);
      const normal = await postJson(`${stack.url}/predict`, { rows });
      expect(normal.json.predictions).to.deep.equal(readOutputs(c, "pred.txt").slice(0, 10));
      expect(normal.json.model).to.include({ objective: "multiclass", num_class: 5 });
      const contrib = await postJson(`${stack.url}/predict`, { rows, type: "contrib" });
      expect(contrib.json.predictions).to.deep.equal(readOutputs(c, "contrib.txt").slice(0, 10));
    });
  });

  describe("a model with pandas_categorical string tables (peer-models/mtpl2)", () => {
    let stack: LocalStack;
    const c = fixtureCase("peer-models/mtpl2");
    before(async () => (stack = await startLocalStack({ MODEL_FILE: join(c.dir, "model.txt") })));
    after(() => stack.stop());

    it("maps category strings through the table; an unseen category is a missing value", async () => {
      const model = (await request(`${stack.url}/model`)).json;
      const region = model.features.find((f: { name: string }) => f.name === "Region");
      expect(region.categories.slice(0, 3)).to.deep.equal(["R11", "R21", "R22"]);
      const base = Object.fromEntries(model.features.map((f: { name: string }) => [f.name, 0]));
      const ask = async (rows: object[]) => (await postJson(`${stack.url}/predict`, { rows })).json.predictions;
      const [byName, byCode, unseen, missing] = await ask([
        { ...base, Region: "R24", VehGas: "Regular" },
        { ...base, Region: 4, VehGas: 1 },
        { ...base, Region: "R99", VehGas: "Regular" },
        { ...base, Region: null, VehGas: 1 },
      ]);
      expect(byName).to.equal(byCode);
      expect(unseen).to.equal(missing);
    });

    it("a string for a numeric feature is still a 400", async () => {
      const response = await postJson(`${stack.url}/predict`, { rows: [{ VehAge: "new" }] });
      expect(response.status).to.equal(400);
      expect(response.json.message).to.match(/feature "VehAge": "new" is a string; send a number/);
    });
  });

  describe("hot reload from S3", () => {
    let stack: LocalStack;
    let s3: S3Client;
    before(async () => {
      stack = await startLocalStack({ MODEL_REFRESH_SECONDS: "1" });
      s3 = new S3Client({
        endpoint: stack.s3Endpoint, region: "us-east-1", forcePathStyle: true, credentials: LOCAL_S3_CREDENTIALS,
        requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
      });
    });
    after(async () => {
      s3.destroy();
      await stack.stop();
    });

    const etag = async () => (await request(`${stack.url}/health`)).json.model.etag as string;
    async function waitForEtagChange(from: string): Promise<string> {
      for (let i = 0; i < 100; i++) {
        const now = await etag();
        if (now !== from) return now;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("the new model was not picked up within 10 s");
    }

    it("serves a new model once the object's ETag changes, and keeps the old one when a reload fails", async () => {
      const before = await etag();
      const stored = await s3.send(new GetObjectCommand({ Bucket: "models", Key: "model.txt" }));
      expect(await stored.Body!.transformToString()).to.equal(readFileSync(join(ADULT.dir, "model.txt"), "utf8"));

      const sharper = ADULT.text("model.txt").replace("objective=binary sigmoid:1", "objective=binary sigmoid:2");
      await s3.send(new PutObjectCommand({ Bucket: "models", Key: "model.txt", Body: sharper }));
      const after = await waitForEtagChange(before);
      const raw = -3.2529877129747224;
      expect((await postJson(`${stack.url}/predict`, [SEED_ROW])).json.predictions).to.deep.equal([1 / (1 + exp(-2 * raw))]);

      await s3.send(new PutObjectCommand({ Bucket: "models", Key: "model.txt", Body: sharper.slice(0, 5000) }));
      await new Promise((resolve) => setTimeout(resolve, 2500)); // two refresh intervals
      const health = await request(`${stack.url}/health`);
      expect(health.status).to.equal(200);
      expect(health.json.model.etag).to.equal(after);
      expect((await postJson(`${stack.url}/predict`, [SEED_ROW])).json.predictions).to.deep.equal([1 / (1 + exp(-2 * raw))]);
      expect(stack.output()).to.match(/"msg":"model reload failed, still serving the previous model".*line \d+/);
    });
  });

  describe("an unloadable model", () => {
    let stack: LocalStack;
    before(async () => (stack = await startLocalStack({ MODEL_FILE: join(__dirname, "fixtures", "golden", "README.md") })));
    after(() => stack.stop());

    it("answers 503 on every route with the reason, and logs the cause", async () => {
      for (const response of [await request(`${stack.url}/health`), await postJson(`${stack.url}/predict`, [SEED_ROW]), await request(`${stack.url}/model`)]) {
        expect(response.status).to.equal(503);
        expect(response.json.error).to.equal("model_unavailable");
        expect(response.json.message).to.match(/loading s3:\/\/models\/model.txt failed: line 1: expected "tree"/);
      }
      expect(stack.output()).to.match(/"msg":"model load failed"/);
    });
  });
});
