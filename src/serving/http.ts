// Responses in the API Gateway v2 (payload format 2.0) shape, and the error every 4xx/5xx carries.
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** A request the service refuses: HTTP status, a stable machine-readable code and a human message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export type Response = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export function json(statusCode: number, payload: unknown, headers: Record<string, string> = {}): Response {
  return {
    statusCode,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
    body: JSON.stringify(payload),
  };
}

export function errorResponse(error: HttpError): Response {
  return json(error.status, { error: error.code, message: error.message }, error.headers);
}

export type { APIGatewayProxyResultV2 };
