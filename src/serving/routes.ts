// The routes the API exposes: the Pulumi program creates one API Gateway route for each, the local
// API Gateway stand-in answers 404 for anything else, as API Gateway does.
export const ROUTE_KEYS = ["POST /predict", "GET /model", "GET /health", "GET /"] as const;
