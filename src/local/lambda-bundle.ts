// The bundled Lambda handler from build/lambda, loaded exactly as Lambda loads it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { LambdaHandler } from "./api-gateway";

export const LAMBDA_BUNDLE = join(__dirname, "..", "..", "build", "lambda", "index.mjs");
export const EXAMPLE_MODEL = join(__dirname, "..", "..", "examples", "adult_binary", "model.txt");

/** Imports the bundle; it reads its configuration from process.env while loading, so set that first. */
export async function importHandler(): Promise<LambdaHandler> {
  if (!existsSync(LAMBDA_BUNDLE)) throw new Error(`${LAMBDA_BUNDLE} is missing: run "npm run build" first`);
  const module = (await import(pathToFileURL(LAMBDA_BUNDLE).href)) as { handler: LambdaHandler };
  return module.handler;
}
