// The Lambda function (handler "index.handler", API Gateway v2 HTTP API events, payload format 2.0).
// The model is loaded here, at module initialisation, so Lambda's init phase pays for it once per
// container; every invocation reuses it (and reloads it only when the S3 object's ETag changes).
import { createService } from "../src/serving/service.js";

const service = await createService(process.env);

export const handler = service.handle.bind(service);
