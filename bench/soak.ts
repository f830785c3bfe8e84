// npm run soak: load on the local endpoint (npm start's stack: s3rver, the bundled handler, the API
// Gateway stand-in, in a child process) with a bounded number of concurrent connections for a bounded
// time, mixing good and bad requests. Reports requests/s, latency percentiles, responses by status, and
// the server's memory before and after (it must stay flat: no growth per request). Stops by itself.
//
// SOAK_SECONDS (default 30) and SOAK_CONNECTIONS (default 16) change the load.
import autocannon from "autocannon";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLocalStack } from "../src/local/stack-process";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
const SEED_ROW = [39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39];
const json = { "content-type": "application/json" };

/** The request mix, cycled through by every connection: what each should get back. */
const MIX: { name: string; expect: number; method: "POST" | "GET"; path: string; body?: string; headers?: Record<string, string> }[] = [
  { name: "one row", expect: 200, method: "POST", path: "/predict", body: JSON.stringify([SEED_ROW]), headers: json },
  { name: "one row, curl's form encoding", expect: 200, method: "POST", path: "/predict", body: JSON.stringify([SEED_ROW]), headers: { "content-type": "application/x-www-form-urlencoded" } },
  { name: "100 rows", expect: 200, method: "POST", path: "/predict", body: JSON.stringify({ rows: new Array(100).fill(SEED_ROW) }), headers: json },
  { name: "named row, contributions", expect: 200, method: "POST", path: "/predict", body: JSON.stringify({ rows: [{ Age: 39, Sex: 1 }], type: "contrib" }), headers: json },
  { name: "leaf indices, 50 iterations", expect: 200, method: "POST", path: "/predict", body: JSON.stringify({ rows: [SEED_ROW], type: "leaf", num_iteration: 50 }), headers: json },
  { name: "GET /model", expect: 200, method: "GET", path: "/model" },
  { name: "malformed JSON", expect: 400, method: "POST", path: "/predict", body: '{"rows": [[39,', headers: json },
  { name: "wrong row length", expect: 400, method: "POST", path: "/predict", body: "[[1,2,3]]", headers: json },
  { name: "a string value", expect: 400, method: "POST", path: "/predict", body: JSON.stringify([[...SEED_ROW.slice(0, 11), "NaN"]]), headers: json },
  { name: "__proto__ key", expect: 400, method: "POST", path: "/predict", body: '{"rows":[{"__proto__":{"Age":1}}]}', headers: json },
  { name: "too many rows", expect: 413, method: "POST", path: "/predict", body: JSON.stringify(new Array(10_001).fill([0])), headers: json },
  { name: "wrong content type", expect: 415, method: "POST", path: "/predict", body: "39,7", headers: { "content-type": "text/csv" } },
];

interface Memory {
  rss_mb: number;
  heap_used_mb: number;
}

async function serverMemory(url: string, pid: number): Promise<Memory> {
  const health = (await (await fetch(`${url}/health`)).json()) as { memory: { heap_used_bytes: number } };
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
  const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
  return { rss_mb: mb(rssKb * 1024), heap_used_mb: mb(health.memory.heap_used_bytes) };
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ MODEL_REFRESH_SECONDS: "60" });
  try {
    // warm up (JIT, the WASM workspace for the largest batch), then measure from a settled state
    await autocannon({ url: stack.url, connections: CONNECTIONS, duration: 3, requests: MIX });
    const memoryBefore = await serverMemory(stack.url, stack.pid);
    const result = await autocannon({ url: stack.url, connections: CONNECTIONS, duration: SECONDS, requests: MIX });
    const memoryAfter = await serverMemory(stack.url, stack.pid);

    const byStatus: Record<string, number> = {};
    for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) byStatus[code] = stats?.count ?? 0;
    const serverErrors = Object.entries(byStatus).filter(([code]) => Number(code) >= 500).reduce((sum, [, n]) => sum + n, 0);
    const expected: Record<string, number> = {};
    for (const request of MIX) expected[request.expect] = (expected[request.expect] ?? 0) + 1;
    const report = {
      duration_s: SECONDS,
      connections: CONNECTIONS,
      requests_total: result.requests.total,
      requests_per_s: Math.round(result.requests.average),
      latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      responses_by_status: byStatus,
      mix_by_expected_status: expected,
      server_errors_5xx: serverErrors,
      transport_errors: result.errors,
      timeouts: result.timeouts,
      memory_before: memoryBefore,
      memory_after: memoryAfter,
    };
    console.log(JSON.stringify(report, null, 2));
    writeFileSync(join(__dirname, "soak-results.json"), `${JSON.stringify(report, null, 2)}\n`);
    const growth = memoryAfter.rss_mb - memoryBefore.rss_mb;
    const flat = growth < Math.max(20, memoryBefore.rss_mb * 0.15);
    console.log(
      `\n${report.requests_per_s} requests/s, p50 ${report.latency_ms.p50} ms, p99 ${report.latency_ms.p99} ms, ` +
        `${serverErrors} 5xx, ${result.errors} errors, RSS ${memoryBefore.rss_mb} -> ${memoryAfter.rss_mb} MB (${flat ? "flat" : "GREW"})`,
    );
    process.exitCode = serverErrors === 0 && result.errors === 0 && result.timeouts === 0 && flat ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
