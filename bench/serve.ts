// npm run bench:serve: cold start and warm latency of the bundled handler serving the example model
// from a local S3 API (s3rver on loopback).
//
// Cold start: a fresh `node` process imports build/lambda/index.mjs (which loads the model from S3 in
// its top-level await, as Lambda's init phase does) and answers one /predict: timed from spawning the
// process to its answer. Warm: the handler called in-process, and the same through HTTP via the local
// API Gateway stand-in. Medians and percentiles; results also go to bench/serve-results.json.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { startLocalApi } from "../src/local/api-gateway";
import { EXAMPLE_MODEL, importHandler, LAMBDA_BUNDLE } from "../src/local/lambda-bundle";
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from "../src/local/s3-server";

const COLD_RUNS = 9;
const WARM_CALLS = 5000;
const HTTP_CALLS = 2000;
const BODY = JSON.stringify([[39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39]]);

function event(): APIGatewayProxyEventV2 {
  return {
    version: "2.0", routeKey: "POST /predict", rawPath: "/predict", rawQueryString: "", isBase64Encoded: false,
    headers: { "content-type": "application/json" }, body: BODY,
    requestContext: {
      accountId: "bench", apiId: "bench", domainName: "localhost", domainPrefix: "localhost", requestId: "bench",
      http: { method: "POST", path: "/predict", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
      routeKey: "POST /predict", stage: "$default", time: "", timeEpoch: 0,
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples: number[]): { median: number; p90: number; p99: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { median: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), min: round(sorted[0]) };
}

/** One cold start: spawn a process that imports the bundle and answers one request. */
function coldStart(env: NodeJS.ProcessEnv): Promise<{ total: number; init: number; firstRequest: number }> {
  const script = `
    const t0 = performance.now();
    const { handler } = await import(${JSON.stringify(pathToFileURL(LAMBDA_BUNDLE).href)});
    const t1 = performance.now();
    const response = await handler(${JSON.stringify(event())}, { awsRequestId: "cold" });
    const t2 = performance.now();
    if (response.statusCode !== 200) throw new Error(response.body);
    process.stderr.write(JSON.stringify({ init: t1 - t0, firstRequest: t2 - t1 }) + "\\n");`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const line = stderr.split("\n").find((l) => l.startsWith('{"init"'));
      if (line) resolve({ total: performance.now() - started, ...JSON.parse(line) });
    });
    child.on("exit", (code) => code !== 0 && reject(new Error(`cold start run failed: ${stderr}`)));
  });
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const s3 = await startLocalS3(["models"]);
  await s3.upload("models", "model.txt", readFileSync(EXAMPLE_MODEL, "utf8"));
  const env = {
    ...process.env,
    MODEL_BUCKET: "models",
    MODEL_KEY: "model.txt",
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  };

  const cold: { total: number; init: number; firstRequest: number }[] = [];
  for (let i = 0; i < COLD_RUNS; i++) cold.push(await coldStart(env));

  Object.assign(process.env, env);
  const log = console.log;
  console.log = () => undefined; // the handler's request logs would dominate the timing
  const handler = await importHandler();
  const context = { awsRequestId: "warm" } as Context;
  for (let i = 0; i < 500; i++) await handler(event(), context);
  const warm: number[] = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    const t = performance.now();
    await handler(event(), context);
    warm.push(performance.now() - t);
  }
  const api = await startLocalApi(handler, 0);
  const http: number[] = [];
  for (let i = 0; i < HTTP_CALLS + 200; i++) {
    const t = performance.now();
    const response = await fetch(`${api.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
    await response.text();
    if (i >= 200) http.push(performance.now() - t);
  }
  console.log = log;
  await api.stop();
  await s3.stop();

  const results = {
    model: "examples/adult_binary/model.txt (100 trees), one row per request, model in a local S3 (s3rver)",
    node: process.version,
    cold_start_ms: {
      process_start_to_first_answer: summary(cold.map((c) => c.total)),
      init_import_and_model_load: summary(cold.map((c) => c.init)),
      first_request: summary(cold.map((c) => c.firstRequest)),
      runs: COLD_RUNS,
    },
    warm_handler_ms: { ...summary(warm), calls: WARM_CALLS },
    warm_http_round_trip_ms: { ...summary(http), calls: HTTP_CALLS },
  };
  const table = [
    ["measure", "median ms", "p90 ms", "p99 ms"],
    ["cold start: process start -> first answer", ...row(results.cold_start_ms.process_start_to_first_answer)],
    ["  of which init (import bundle, load model from S3)", ...row(results.cold_start_ms.init_import_and_model_load)],
    ["  of which the first request", ...row(results.cold_start_ms.first_request)],
    ["warm request, handler in-process", ...row(results.warm_handler_ms)],
    ["warm request, HTTP round trip (local API)", ...row(results.warm_http_round_trip_ms)],
  ];
  console.log(table.map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
  writeFileSync(join(__dirname, "serve-results.json"), `${JSON.stringify(results, null, 2)}\n`);
}

function row(s: { median: number; p90: number; p99: number }): string[] {
  return [s.median, s.p90, s.p99].map((x) => x.toFixed(3));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
