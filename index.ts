// The Pulumi program (`pulumi up`): reads the stack's config, declares the stack, exports its outputs.
// The resources are in infra/stack.ts, the config keys and their defaults in infra/config.ts.
import { readConfig } from "./infra/config";
import { createStack } from "./infra/stack";

const { outputs } = createStack(readConfig());

/** The API endpoint: `curl -X POST "$(pulumi stack output url)/predict" -d '[[...]]'`. */
export const url = outputs.url;
export const bucketName = outputs.bucketName;
export const modelKey = outputs.modelKey;
export const functionName = outputs.functionName;
