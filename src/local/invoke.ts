// npm run invoke -- '<json body>' | --file body.json [--method GET --path /model]
// Invokes the bundled handler once, in this process, the way `serverless invoke local` does, and
// prints its response. The model is MODEL_PATH (or MODEL_BUCKET/MODEL_KEY), else the example model.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { EXAMPLE_MODEL, importHandler } from "./lambda-bundle";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      file: { type: "string" },
      method: { type: "string", default: "POST" },
      path: { type: "string", default: "/predict" },
    },
  });
  const body = values.file !== undefined ? readFileSync(values.file, "utf8") : positionals[0];
  if (!process.env.MODEL_BUCKET && !process.env.MODEL_PATH) process.env.MODEL_PATH = process.env.MODEL_FILE ?? EXAMPLE_MODEL;
  // the function's logs go to stderr, so stdout holds just the response
  console.log = (...args: unknown[]) => process.stderr.write(`${args.join(" ")}\n`);
  const handler = await importHandler();
  const method = values.method.toUpperCase();
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: `${method} ${values.path}`,
    rawPath: values.path,
    rawQueryString: "",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    requestContext: {
      accountId: "local", apiId: "local", domainName: "localhost", domainPrefix: "localhost",
      http: { method, path: values.path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "lgbm-lambda invoke" },
      requestId: "invoke-local", routeKey: `${method} ${values.path}`, stage: "$default",
      time: new Date().toUTCString(), timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
  const response = (await handler(event, { awsRequestId: "invoke-local" } as Context)) as APIGatewayProxyStructuredResultV2;
  let shownBody: unknown = response.body;
  try {
    shownBody = JSON.parse(response.body ?? "");
  } catch {
    // not JSON (the playground page): print as is
  }
  process.stdout.write(`${JSON.stringify({ ...response, body: shownBody }, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`lgbm-lambda invoke: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
