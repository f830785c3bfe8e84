// The stack's configuration: every `lgbm-lambda:*` key, its default and its validation, in one place.
// parseConfig is pure (it takes a getter), so the rules are testable without Pulumi; readConfig wires it
// to `pulumi.Config` for `pulumi up`.
import * as pulumi from "@pulumi/pulumi";

export const ARCHITECTURES = ["arm64", "x86_64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** The values CloudWatch Logs accepts for a log group's retention (0 = never expire). */
export const LOG_RETENTION_DAYS = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Defaults of the project's own config keys (Pulumi.dev.yaml may repeat them; these are what an unset key means). */
export const DEFAULTS = {
  modelFile: "examples/adult_binary/model.txt",
  memorySize: 512,
  // API Gateway HTTP APIs wait at most 30 s for an integration, so a longer Lambda timeout buys nothing.
  timeout: 10,
  architecture: "arm64" as Architecture,
  logRetentionDays: 14,
  maxRows: 10000,
  modelRefreshSeconds: 60,
} as const;

/** Inclusive integer ranges of the numeric keys, with what the limit is. */
const RANGES = {
  memorySize: { min: 128, max: 10240, unit: "MB (Lambda's limits)" },
  timeout: { min: 1, max: 30, unit: "seconds (API Gateway HTTP APIs stop waiting after 30 s)" },
  maxRows: { min: 1, max: 10_000_000, unit: "rows per request" },
  modelRefreshSeconds: { min: 0, max: 86400, unit: "seconds between checks of the model object's ETag (0: every request)" },
} as const;

export interface StackConfig {
  /** Local model.txt uploaded as the model object; relative paths are relative to the project folder. */
  modelFile: string;
  memorySize: number;
  timeout: number;
  architecture: Architecture;
  logRetentionDays: number;
  maxRows: number;
  modelRefreshSeconds: number;
  /** Physical name of the Lambda function (and of its log group's suffix): `<project>-<stack>`. */
  functionName: string;
}

export interface ConfigContext {
  project: string;
  stack: string;
}

/** A config error: Pulumi prints a RunError's message without a stack trace. */
function fail(message: string): never {
  throw new pulumi.RunError(message);
}

function integer(namespace: string, key: keyof typeof RANGES, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const { min, max, unit } = RANGES[key];
  const value = Number(raw.trim());
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${namespace}:${key} must be an integer from ${min} to ${max} ${unit}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Validates the raw config strings (`get(key)` returns undefined for an unset key) and applies the defaults. */
export function parseConfig(get: (key: string) => string | undefined, context: ConfigContext): StackConfig {
  const ns = context.project;

  const modelFile = get("modelFile")?.trim() || DEFAULTS.modelFile;

  const architecture = get("architecture")?.trim() || DEFAULTS.architecture;
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    fail(`${ns}:architecture must be one of ${ARCHITECTURES.join(" | ")}, got ${JSON.stringify(architecture)}`);
  }

  const retentionRaw = get("logRetentionDays")?.trim() || String(DEFAULTS.logRetentionDays);
  const logRetentionDays = Number(retentionRaw);
  if (!/^\d+$/.test(retentionRaw) || !(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail(
      `${ns}:logRetentionDays must be one of CloudWatch's retention values (${LOG_RETENTION_DAYS.join(", ")}), ` +
        `got ${JSON.stringify(retentionRaw)}`,
    );
  }

  // Lambda function names: letters, digits, hyphens and underscores, at most 64 characters.
  const functionName = `${context.project}-${context.stack}`.replace(/[^A-Za-z0-9_-]/g, "-");
  if (functionName.length > 64) {
    fail(`the function name ${JSON.stringify(functionName)} (<project>-<stack>) is longer than Lambda's 64 characters: use a shorter stack name`);
  }

  return {
    modelFile,
    memorySize: integer(ns, "memorySize", get("memorySize"), DEFAULTS.memorySize),
    timeout: integer(ns, "timeout", get("timeout"), DEFAULTS.timeout),
    architecture: architecture as Architecture,
    logRetentionDays,
    maxRows: integer(ns, "maxRows", get("maxRows"), DEFAULTS.maxRows),
    modelRefreshSeconds: integer(ns, "modelRefreshSeconds", get("modelRefreshSeconds"), DEFAULTS.modelRefreshSeconds),
    functionName,
  };
}

/** The current stack's configuration, from `pulumi config` (keys `lgbm-lambda:*`). */
export function readConfig(): StackConfig {
  const config = new pulumi.Config();
  return parseConfig((key) => config.get(key), { project: pulumi.getProject(), stack: pulumi.getStack() });
}
