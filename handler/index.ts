// Placeholder until the serving issue lands: the Lambda entry point (index.handler).
export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 503, body: JSON.stringify({ error: "not_ready", message: "the handler is being written" }) };
}
