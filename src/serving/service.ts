// The prediction service behind the Lambda handler: routes, request decoding, scoring, responses and
// one structured log line per request. Bad input gets a 4xx with {"error", "message"}; nothing a
// client sends produces a 5xx or a stack trace in a response.
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";
import { UnsupportedRequestError } from "../scorer";
import { ConfigError, MAX_PAYLOAD_BYTES, readConfig, type ServiceConfig } from "./config";
import { errorResponse, HttpError, json, type Response } from "./http";
import { errorFields, log } from "./log";
import { modelSource } from "./model-source";
import { type LoadedModel, ModelStore } from "./model-store";
import { playground } from "./playground";
import { parsePredictRequest } from "./predict-request";

export interface Service {
  handle(event: APIGatewayProxyEventV2, context?: Partial<Context>): Promise<Response>;
}

type Route = (request: RouteRequest) => Response | Promise<Response>;

interface RouteRequest {
  event: APIGatewayProxyEventV2;
  /** Rows scored, for the request log. */
  stats: { rows?: number };
}

/**
 * Reads the configuration and loads the model. Never rejects: a bad configuration or an unloadable
 * model leaves a service that answers 503 and says why (and keeps retrying the model).
 */
export async function createService(env: NodeJS.ProcessEnv = process.env): Promise<Service> {
  let config: ServiceConfig;
  try {
    config = readConfig(env);
  } catch (error) {
    log("error", "invalid configuration", errorFields(error));
    const message = error instanceof ConfigError ? error.message : "invalid configuration";
    return { handle: async () => errorResponse(new HttpError(503, "misconfigured", message)) };
  }
  const store = new ModelStore(modelSource(config.model), config.refreshSeconds);
  await store.refreshIfDue();
  return new PredictionService(config, store);
}

class PredictionService implements Service {
  private coldStart = true;
  private readonly routes: Record<string, Record<string, Route>>;

  constructor(
    private readonly config: ServiceConfig,
    private readonly store: ModelStore,
  ) {
    this.routes = {
      "/predict": { POST: (request) => this.predict(request) },
      "/model": { GET: () => this.describeModel() },
      "/health": { GET: () => this.health() },
      "/": { GET: () => playground() }, // the playground page (text/html)
    };
  }

  async handle(event: APIGatewayProxyEventV2, context: Partial<Context> = {}): Promise<Response> {
    const started = performance.now();
    const coldStart = this.coldStart;
    this.coldStart = false;
    const method = event.requestContext?.http?.method ?? "GET";
    const path = normalisePath(event.rawPath ?? event.requestContext?.http?.path ?? "/");
    const stats: RouteRequest["stats"] = {};
    let response: Response;
    try {
      await this.store.refreshIfDue();
      const methods = this.routes[path];
      if (!methods) throw new HttpError(404, "not_found", `no route ${method} ${path}; routes: POST /predict, GET /model, GET /health, GET /`);
      const route = methods[method];
      if (!route) {
        const allowed = Object.keys(methods).join(", ");
        throw new HttpError(405, "method_not_allowed", `${path} accepts ${allowed}, not ${method}`, { allow: allowed });
      }
      response = await route({ event, stats });
    } catch (error) {
      response = this.failure(error, method, path);
    }
    log("info", "request", {
      route: `${method} ${path}`,
      status: response.statusCode,
      rows: stats.rows ?? null,
      latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
      model_etag: this.store.current?.identity.etag ?? this.store.current?.identity.sha256 ?? null,
      cold_start: coldStart,
      request_id: context.awsRequestId ?? event.requestContext?.requestId,
    });
    return response;
  }

  private failure(error: unknown, method: string, path: string): Response {
    if (error instanceof HttpError) return errorResponse(error);
    if (error instanceof UnsupportedRequestError) return errorResponse(new HttpError(400, "unsupported_request", error.message));
    log("error", "unexpected error", { route: `${method} ${path}`, ...errorFields(error) });
    return errorResponse(new HttpError(500, "internal_error", "the request could not be processed; the cause is in the function's log"));
  }

  private requireModel(): LoadedModel {
    const loaded = this.store.current;
    if (!loaded) throw new HttpError(503, "model_unavailable", this.store.error ?? "the model is loading");
    return loaded;
  }

  private predict({ event, stats }: RouteRequest): Response {
    const loaded = this.requireModel(); // this request keeps this model even if a reload swaps it
    const request = parsePredictRequest(decodeBody(event), loaded.features, this.config.maxRows);
    stats.rows = request.numRows;
    const prediction = loaded.scorer.predict(request.rows, request.numRows, request.options);
    const { width, values, type } = prediction;
    const scalar = width === 1 && (type === "normal" || type === "raw");
    const predictions = Array.from({ length: request.numRows }, (_, i) =>
      scalar ? values[i] : Array.from(values.subarray(i * width, (i + 1) * width)),
    );
    const response = json(200, { predictions, model: this.modelSummary(loaded) });
    if (Buffer.byteLength(response.body) > MAX_PAYLOAD_BYTES) {
      throw new HttpError(413, "response_too_large", `the response would exceed Lambda's 6 MB limit; send fewer than ${request.numRows} rows`);
    }
    return response;
  }

  private modelSummary({ model, identity }: LoadedModel) {
    return { ...identity, objective: model.objective.name, num_class: model.layout.numClass };
  }

  private describeModel(): Response {
    const loaded = this.requireModel();
    const { model, features } = loaded;
    return json(200, {
      model: this.modelSummary(loaded),
      version: model.file.version,
      objective: model.file.objective,
      num_class: model.layout.numClass,
      num_trees: model.layout.numTrees,
      num_iterations: model.layout.numIterations,
      average_output: model.file.averageOutput,
      max_rows: this.config.maxRows,
      features,
    });
  }

  private health(): Response {
    const loaded = this.requireModel();
    const { rss, heapUsed } = process.memoryUsage();
    return json(200, { status: "ok", model: this.modelSummary(loaded), memory: { rss_bytes: rss, heap_used_bytes: heapUsed } });
  }
}

/** "/predict/" and "/predict" are one route. */
function normalisePath(path: string): string {
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** Media types a JSON body may arrive with: curl -d sends form-urlencoded, fetch() text/plain. */
const ACCEPTED_TYPES = /^(application\/(json|[\w.+-]+\+json|x-www-form-urlencoded)|text\/plain)$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The request body as text: checks its media type, base64 flag, size and UTF-8 encoding. */
function decodeBody(event: APIGatewayProxyEventV2): string {
  const contentType = (headerValue(event, "content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (contentType !== "" && !ACCEPTED_TYPES.test(contentType)) {
    throw new HttpError(415, "unsupported_media_type", `content-type ${contentType} is not accepted; send JSON (application/json)`);
  }
  const raw = event.body ?? "";
  if (raw.length > (MAX_PAYLOAD_BYTES * 4) / 3 + 4) throw tooLarge();
  let bytes: Buffer;
  if (event.isBase64Encoded) {
    if (raw.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) {
      throw new HttpError(400, "invalid_encoding", "the body is marked base64-encoded but is not valid base64");
    }
    bytes = Buffer.from(raw, "base64");
  } else {
    bytes = Buffer.from(raw, "utf8");
  }
  if (bytes.length > MAX_PAYLOAD_BYTES) throw tooLarge();
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(400, "invalid_encoding", "the body is not valid UTF-8 text");
  }
}

function tooLarge(): HttpError {
  return new HttpError(413, "payload_too_large", `the body exceeds ${MAX_PAYLOAD_BYTES} bytes, Lambda's limit for a request`);
}

function headerValue(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
