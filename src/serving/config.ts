// The function's settings, from its environment. Invalid values are reported, not guessed around.

export type ModelLocation =
  | { kind: "s3"; bucket: string; key: string; endpoint?: string }
  | { kind: "file"; path: string };

export interface ServiceConfig {
  model: ModelLocation;
  /** Rows accepted in one request. */
  maxRows: number;
  /** At most this often, a HeadObject checks whether the model object changed. */
  refreshSeconds: number;
}

/** Lambda's limit for a synchronous request or response payload. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_REFRESH_SECONDS = 60;

export class ConfigError extends Error {
  name = "ConfigError";
}

/**
 * MODEL_BUCKET + MODEL_KEY (S3), or MODEL_PATH (a file bundled with the function); MAX_ROWS,
 * MODEL_REFRESH_SECONDS. S3_ENDPOINT points the S3 client at an S3-compatible server (local runs).
 */
export function readConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const bucket = env.MODEL_BUCKET;
  const key = env.MODEL_KEY;
  const path = env.MODEL_PATH;
  let model: ModelLocation;
  if (bucket || key) {
    if (!bucket || !key) throw new ConfigError("set both MODEL_BUCKET and MODEL_KEY (or MODEL_PATH for a bundled file)");
    model = { kind: "s3", bucket, key, ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}) };
  } else if (path) {
    model = { kind: "file", path };
  } else {
    throw new ConfigError("no model configured: set MODEL_BUCKET and MODEL_KEY, or MODEL_PATH");
  }
  return {
    model,
    maxRows: positiveInteger(env, "MAX_ROWS", DEFAULT_MAX_ROWS, 1),
    refreshSeconds: positiveInteger(env, "MODEL_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS, 0),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${text}"`);
  return value;
}

/** How a loaded model is named in responses and logs. */
export function describeLocation(location: ModelLocation): string {
  return location.kind === "s3" ? `s3://${location.bucket}/${location.key}` : location.path;
}
