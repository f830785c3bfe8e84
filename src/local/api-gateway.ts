// A local stand-in for API Gateway's HTTP API: each HTTP request becomes the APIGatewayProxyEventV2
// (payload format 2.0) that API Gateway would send, and the handler's result becomes the HTTP
// response, with API Gateway's own answers where it would not call the function at all.
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from "aws-lambda";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ROUTE_KEYS } from "../serving/routes";

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;


/** API Gateway's request payload limit for HTTP APIs. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml|javascript))/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface LocalApi {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export async function startLocalApi(handler: LambdaHandler, port: number, host = "127.0.0.1"): Promise<LocalApi> {
  const server = createServer((request, response) => {
    serve(handler, request, response).catch((error) => {
      console.error("local API error", error);
      if (!response.headersSent) send(response, 500, { message: "Internal Server Error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    server,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function serve(handler: LambdaHandler, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const method = request.method ?? "GET";
  const routeKey = `${method} ${url.pathname}`;
  // the deployed API defines only these routes; anything else is API Gateway's own 404
  if (!(ROUTE_KEYS as readonly string[]).includes(routeKey)) return send(response, 404, { message: "Not Found" });
  const body = await readBody(request);
  if (body === null) return send(response, 413, { message: "Request Entity Too Large" });
  const event = toEvent(request, url, routeKey, body);
  let result: APIGatewayProxyResultV2;
  try {
    result = await handler(event, lambdaContext(event.requestContext.requestId));
  } catch (error) {
    console.error("handler threw", error);
    return send(response, 500, { message: "Internal Server Error" });
  }
  // like API Gateway: a result without statusCode is a 200 JSON body
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    return send(response, 200, result);
  }
  const payload = result.body ?? "";
  response.writeHead(result.statusCode ?? 200, { ...result.headers, ...(result.cookies ? { "set-cookie": result.cookies } : {}) });
  response.end(result.isBase64Encoded ? Buffer.from(payload, "base64") : payload);
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(payload));
}

async function readBody(request: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      request.resume(); // drain the rest so the connection can answer
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toEvent(request: IncomingMessage, url: URL, routeKey: string, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== "cookie") headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const now = new Date();
  const query = url.search.slice(1);
  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey,
    rawPath: url.pathname,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0],
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (request.headers.cookie) event.cookies = request.headers.cookie.split(/;\s*/);
  if (query) event.queryStringParameters = Object.fromEntries(url.searchParams);
  if (body.length > 0) {
    // API Gateway passes text bodies as strings and anything else base64-encoded
    const text = TEXT_TYPES.test(headers["content-type"] ?? "") ? decodeText(body) : null;
    event.body = text ?? body.toString("base64");
    event.isBase64Encoded = text === null;
  }
  return event;
}

function decodeText(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: "lgbm-lambda-local",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:lgbm-lambda-local",
    memoryLimitInMB: "512",
    logGroupName: "/aws/lambda/lgbm-lambda-local",
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
