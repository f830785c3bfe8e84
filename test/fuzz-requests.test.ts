// Property-based fuzzing of the request path (fast-check): generated bodies, headers and events that a
// hostile or careless client could send. Every one must get a 4xx with an error code and a message (or
// a 200 when it happens to be a valid request), never a 5xx, a thrown exception or a hang, and must
// not change the answer to a good request afterwards. In-process through the real service (so events
// API Gateway would never produce, like lying base64 flags, are covered too), then over real HTTP.
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { expect } from "chai";
import fc from "fast-check";
import { join } from "node:path";
import { createService, type Service } from "../src/serving/service";
import { type LocalStack, startLocalStack } from "../src/local/stack-process";
import { request } from "./support/http";

const MODEL_PATH = join(__dirname, "..", "examples", "adult_binary", "model.txt");
const SEED_ROW = [39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39];
const SEED_PREDICTION = 0.03721967636976771;
const FEATURES = ["Age", "Workclass", "Education-Num", "Marital_Status", "Occupation", "Relationship", "Race", "Sex", "Capital_Gain", "Capital_Loss", "Hours_per_week", "Country"];
const MAX_ROWS = 20;
/** FC_SEED=<n> replays a failing run; by default each run is reproducible. */
const SEED = Number(process.env.FC_SEED ?? 20261125);

function event(body: string | undefined, options: { base64?: boolean; contentType?: string; method?: string; path?: string } = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? "POST";
  const path = options.path ?? "/predict";
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: options.contentType === undefined ? { "content-type": "application/json" } : { "content-type": options.contentType },
    requestContext: {
      accountId: "fuzz", apiId: "fuzz", domainName: "localhost", domainPrefix: "localhost", requestId: "fuzz",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "fuzz" },
      routeKey: `${method} ${path}`, stage: "$default", time: "", timeEpoch: 0,
    },
    body,
    isBase64Encoded: options.base64 ?? false,
  };
}

// ------------------------------------------------------------------------------------- generators

const featureValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.constantFrom("NaN", "Infinity", "-Infinity", "nan", "1e999", "39", "", " ", "\u0000"),
  fc.boolean(),
  fc.constant([1]),
  fc.constant({ value: 1 }),
);
const arrayRow = fc.oneof(
  fc.array(featureValue, { minLength: 12, maxLength: 12 }),
  fc.array(featureValue, { maxLength: 30 }),
);
const objectRow = fc.dictionary(
  fc.oneof(fc.constantFrom(...FEATURES, "__proto__", "constructor", "prototype", "toString", "age", ""), fc.string()),
  featureValue,
  { maxKeys: 15 },
);
const rows = fc.array(fc.oneof(arrayRow, objectRow, fc.anything()), { maxLength: MAX_ROWS + 5 });
const requestObject = fc.record(
  {
    rows,
    type: fc.oneof(fc.constantFrom("normal", "raw", "contrib", "leaf", "probability", ""), fc.anything()),
    num_iteration: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), fc.string()),
    start_iteration: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.constant(2 ** 40)),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
/** Request bodies as text: structured ones, raw JSON, truncated and otherwise damaged text. */
const bodyText = fc.oneof(
  requestObject.map((body) => JSON.stringify(body)),
  rows.map((body) => JSON.stringify(body)),
  fc.json(),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.tuple(requestObject.map((body) => JSON.stringify(body)), fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1))),
  fc.integer({ min: 1, max: 20000 }).map((depth) => "[".repeat(depth) + "]".repeat(depth)),
  fc.integer({ min: 1, max: 5000 }).map((depth) => '{"rows":'.repeat(depth) + "1" + "}".repeat(depth)),
  fc.constantFrom(`[[${"9".repeat(400)}${",0".repeat(11)}]]`, `[[-1e999${",0".repeat(11)}]]`, '{"rows":[[1,2,3]],"rows":"x"}'),
  // keys that name Object.prototype members; written as text, since in a JS literal __proto__ sets the prototype
  fc.tuple(fc.constantFrom("__proto__", "constructor", "prototype", "hasOwnProperty"), fc.jsonValue()).chain(([key, value]) =>
    fc.constantFrom(
      `{"${key}":${JSON.stringify(value)},"rows":[${JSON.stringify(SEED_ROW)}]}`,
      `{"rows":[{"${key}":${JSON.stringify(value)},"Age":39}]}`,
      `{"rows":[{"__proto__":{"Age":39}}],"type":{"__proto__":"raw"}}`,
    ),
  ),
);

/** Requests that are valid whatever the values: they must always be answered with one prediction per row. */
const validRequest = fc.record({
  rows: fc.array(
    fc.oneof(
      fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)), { minLength: 12, maxLength: 12 }),
      fc.dictionary(fc.constantFrom(...FEATURES), fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null))),
    ),
    { maxLength: MAX_ROWS },
  ),
  type: fc.constantFrom("normal", "raw", "contrib", "leaf"),
  num_iteration: fc.integer({ min: -5, max: 200 }),
  start_iteration: fc.integer({ min: -5, max: 200 }),
});

interface Outcome {
  statusCode: number;
  headers?: Record<string, unknown>;
  body: string;
}

function assertWellFormed(response: Outcome): void {
  expect(response.statusCode, response.body).to.be.oneOf([200, 400, 404, 405, 413, 415]);
  // GET / is the playground page; every other answer is JSON
  if (String(response.headers?.["content-type"]).startsWith("text/html")) {
    expect(response.statusCode).to.equal(200);
    return;
  }
  const payload = JSON.parse(response.body);
  if (response.statusCode === 200) return;
  expect(payload.error).to.be.a("string").that.matches(/^[a-z_]+$/);
  expect(payload.message).to.be.a("string").and.not.match(/\n\s+at /); // no stack traces
}

describe("fuzz: the request path", function () {
  this.timeout(120_000);

  describe("in-process, through the real service", () => {
    let service: Service;
    before(async () => {
      service = await createService({ MODEL_PATH, MAX_ROWS: String(MAX_ROWS) });
    });

    const goodRequestStillAnswers = async () => {
      const good = await service.handle(event(JSON.stringify([SEED_ROW])));
      expect(JSON.parse(good.body).predictions).to.deep.equal([SEED_PREDICTION]);
    };

    // the service's per-request log lines would flood the test output
    let log: typeof console.log;
    beforeEach(() => {
      log = console.log;
      console.log = () => undefined;
    });
    afterEach(() => {
      console.log = log;
    });

    it("generated bodies get a 200 or a well-formed 4xx, and a good request keeps its answer", async () => {
      await fc.assert(
        fc.asyncProperty(bodyText, async (body) => {
          assertWellFormed(await service.handle(event(body)));
          await goodRequestStillAnswers();
        }),
        { seed: SEED, numRuns: 1500 },
      );
    });

    it("valid requests with any values, types and iteration windows get a 200 with one prediction per row", async () => {
      await fc.assert(
        fc.asyncProperty(validRequest, async (body) => {
          const response = await service.handle(event(JSON.stringify(body)));
          expect(response.statusCode, response.body).to.equal(200);
          expect(JSON.parse(response.body).predictions).to.have.length(body.rows.length);
        }),
        { seed: SEED, numRuns: 500 },
      );
      await goodRequestStillAnswers();
    });

    it("generated content types, base64 flags that lie, bytes that are not UTF-8, missing bodies", async () => {
      const contentType = fc.oneof(fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "text/csv", "multipart/form-data; boundary=x", "application/octet-stream", ""), fc.string());
      const payload = fc.oneof(
        fc.constant(undefined),
        bodyText,
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("base64")),
        fc.constant(Buffer.from([0x5b, 0x5b, 0xc3, 0x28, 0x5d, 0x5d]).toString("base64")), // [[ invalid UTF-8 ]]
        fc.constant(Buffer.from(JSON.stringify([SEED_ROW])).toString("base64")),
      );
      await fc.assert(
        fc.asyncProperty(payload, fc.boolean(), contentType, async (body, base64, type) => {
          assertWellFormed(await service.handle(event(body, { base64, contentType: type })));
          await goodRequestStillAnswers();
        }),
        { seed: SEED, numRuns: 1500 },
      );
    });

    it("generated methods and paths", async () => {
      const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD");
      const path = fc.oneof(fc.constantFrom("/predict", "/model", "/health", "/predict/", "//predict", "/PREDICT", "/predict/../model"), fc.webPath());
      await fc.assert(
        fc.asyncProperty(method, path, async (m, p) => {
          assertWellFormed(await service.handle(event(JSON.stringify([SEED_ROW]), { method: m, path: p })));
        }),
        { seed: SEED, numRuns: 500 },
      );
    });

    it("oversized batches and bodies", async () => {
      const tooMany = await service.handle(event(JSON.stringify(new Array(MAX_ROWS + 1).fill(SEED_ROW))));
      expect(tooMany.statusCode).to.equal(413);
      const huge = await service.handle(event(`[${"1,".repeat(3_500_000)}1]`));
      expect(huge.statusCode).to.equal(413);
      const hugeBase64 = await service.handle(event(Buffer.alloc(7_000_000, 0x20).toString("base64"), { base64: true }));
      expect(hugeBase64.statusCode).to.equal(413);
      await goodRequestStillAnswers();
    });
  });

  describe("over HTTP, through the local API Gateway stand-in and the bundled handler", () => {
    let stack: LocalStack;
    before(async () => (stack = await startLocalStack({ MAX_ROWS: String(MAX_ROWS) })));
    after(() => stack.stop());

    it("generated bodies and content types never get a 5xx; a good request keeps its answer", async () => {
      const contentType = fc.constantFrom("application/json", "application/x-www-form-urlencoded", "text/plain", "application/octet-stream", "text/csv");
      const bytes = fc.oneof(bodyText.map((text) => Buffer.from(text)), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)));
      await fc.assert(
        fc.asyncProperty(bytes, contentType, async (body, type) => {
          const response = await request(`${stack.url}/predict`, { method: "POST", headers: { "content-type": type }, body });
          assertWellFormed({ statusCode: response.status, body: response.text });
        }),
        { seed: SEED, numRuns: 300 },
      );
      const good = await request(`${stack.url}/predict`, { method: "POST", body: JSON.stringify([SEED_ROW]) });
      expect(good.json.predictions).to.deep.equal([SEED_PREDICTION]);
    });
  });
});
