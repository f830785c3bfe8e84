// Runs `npm start`'s program (src/local/start.ts) as a child process on free loopback ports: a real
// s3rver, the real bundled handler, real HTTP. The tests and the soak talk to it over HTTP and stop it.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
// the SDK warns on every S3 client on Node 20 that its 2027 releases need Node 22
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export interface LocalStack {
  url: string;
  pid: number;
  s3Endpoint: string;
  /** Everything the process printed on stdout so far (the function's JSON logs among it). */
  output(): string;
  stop(): Promise<void>;
}

export async function startLocalStack(env: Record<string, string> = {}): Promise<LocalStack> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/local/start.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/listening on (http:\S+)/.test(stdout)) {
    if (child.exitCode !== null) throw new Error(`the local stack exited: ${stderr || stdout}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the local stack did not start in 30 s: ${stderr || stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: /listening on (http:\S+)/.exec(stdout)![1],
    pid: child.pid!,
    s3Endpoint: /local S3 API at (http:\S+?)\)/.exec(stdout)![1],
    output: () => stdout,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
