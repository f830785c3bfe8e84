// npm start: the deployed function, run locally against real servers. Starts an S3 API on loopback
// (s3rver), uploads the model to it, loads the same bundled handler Lambda runs, and serves it
// through an API Gateway stand-in. MODEL_FILE, PORT and HOST override the defaults.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describeFeatures } from "../model/features";
import { parseModel } from "../model/parse-model";
import { startLocalApi } from "./api-gateway";
import { EXAMPLE_MODEL, importHandler } from "./lambda-bundle";
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from "./s3-server";

const BUCKET = "models";
const KEY = "model.txt";
/** The example model's first row, whose prediction is 0.03721967636976771 (LightGBM's seed row). */
const SEED_ROW = "[[39,7,13,4,1,0,4,1,2174,0,40,39]]";

async function main(): Promise<void> {
  const modelFile = process.env.MODEL_FILE ?? EXAMPLE_MODEL;
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? "127.0.0.1";
  const modelText = readFileSync(modelFile, "utf8");
  // the SDK warns on every client it creates that its 2027 releases need Node 22
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

  const s3 = await startLocalS3([BUCKET]);
  await s3.upload(BUCKET, KEY, modelText);
  Object.assign(process.env, {
    MODEL_BUCKET: BUCKET,
    MODEL_KEY: KEY,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? "us-east-1",
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  });
  const api = await startLocalApi(await importHandler(), port, host);

  const shown = relative(process.cwd(), modelFile) || modelFile;
  const example = modelFile === EXAMPLE_MODEL ? SEED_ROW : exampleRow(modelText);
  const address = api.url.replace("http://127.0.0.1", "localhost");
  console.log(
    [
      `lgbm-lambda: serving ${shown} from s3://${BUCKET}/${KEY} (local S3 API at ${s3.endpoint})`,
      `listening on ${api.url}`,
      "try:",
      `  curl -X POST ${address}/predict -d '${example}'`,
      `  curl ${address}/model`,
      "Ctrl-C stops it.",
    ].join("\n"),
  );

  const stop = async () => {
    await api.stop();
    await s3.stop();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/**
 * A plausible row for any model: the middle of each numeric range, the first category code. For a
 * file that does not parse, a placeholder: the server still starts and answers 503 saying why.
 */
function exampleRow(modelText: string): string {
  try {
    const values = describeFeatures(parseModel(modelText)).map((feature) => {
      if (feature.codes?.length) return feature.codes[0];
      return feature.range ? Number(((feature.range[0] + feature.range[1]) / 2).toPrecision(4)) : 0;
    });
    return JSON.stringify([values]);
  } catch {
    return "[[...feature values...]]";
  }
}

main().catch((error) => {
  console.error(`lgbm-lambda: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
