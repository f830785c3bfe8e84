// Structured logs: one JSON object per line on stdout, which Lambda ships to CloudWatch as is.

export type LogFields = Record<string, unknown>;

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
}

export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.message, error_name: error.name, stack: error.stack } : { error: String(error) };
}
