// The AWS resources that serve a LightGBM model: a private S3 bucket holding model.txt, a Lambda function
// (the esbuild bundle + kernel.wasm from build/lambda) whose role may read exactly that object, and an
// API Gateway v2 HTTP API in front of it. index.ts reads the config and exports createStack's outputs.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ROUTE_KEYS } from "../src/serving/routes";
import type { StackConfig } from "./config";

/** The Lambda runtime. The bundle targets node20; nodejs20.x is past its deprecation date, 22.x runs it as is. */
export const LAMBDA_RUNTIME = aws.lambda.Runtime.NodeJS22dX;
/** The Lambda package folder `npm run build` writes: the handler bundle and kernel.wasm, nothing else. */
export const LAMBDA_PACKAGE_DIR = "build/lambda";
/** The handler string: module `index`, export `handler`. */
export const LAMBDA_HANDLER = "index.handler";
/** Module `index` of the handler string: an ES module, whose top-level await loads the model at init. */
export const LAMBDA_ENTRY_FILE = "index.mjs";
export const KERNEL_FILE = "kernel.wasm";
/** Key of the model object in the bucket (the function's MODEL_KEY). */
export const MODEL_KEY = "model.txt";

export interface StackOptions {
  /** The Lambda package folder, relative to the project folder (the working directory under `pulumi up`). */
  packageDir?: string;
}

/** Fails before any resource is declared when a file the stack uploads is missing. */
function checkInputs(config: StackConfig, packageDir: string): void {
  for (const file of [LAMBDA_ENTRY_FILE, KERNEL_FILE]) {
    if (!existsSync(resolve(packageDir, file))) throw new pulumi.RunError(`${packageDir}/${file} not found: run npm run build first`);
  }
  const model = resolve(config.modelFile);
  if (!existsSync(model) || !statSync(model).isFile()) {
    throw new pulumi.RunError(
      `model file ${config.modelFile} not found (${model}): set lgbm-lambda:modelFile to a LightGBM model.txt`,
    );
  }
}

/** Pulumi logical name of a route: "POST /predict" -> "route-post-predict", "GET /" -> "route-get-root". */
export function routeResourceName(routeKey: string): string {
  const [method, path] = routeKey.split(" ");
  const slug = path.replace(/^\/+|\/+$/g, "").replace(/[^A-Za-z0-9]+/g, "-") || "root";
  return `route-${method.toLowerCase()}-${slug}`;
}

export function createStack(config: StackConfig, options: StackOptions = {}) {
  const packageDir = options.packageDir ?? LAMBDA_PACKAGE_DIR;
  checkInputs(config, packageDir);

  // --- the model bucket: private, encrypted, versioned, TLS only -------------------------------------------
  const bucket = new aws.s3.Bucket("model-bucket", {
    // `pulumi destroy` removes the bucket with every version of the model in it
    forceDestroy: true,
  });
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock("model-bucket-public-access-block", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration("model-bucket-encryption", {
    bucket: bucket.id,
    // SSE-S3: encrypted at rest with no KMS key, so reading needs s3:GetObject and nothing else
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });
  const versioning = new aws.s3.BucketVersioning("model-bucket-versioning", {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  const tlsOnlyPolicy = new aws.s3.BucketPolicy(
    "model-bucket-tls-only",
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      ),
    },
    // S3 rejects concurrent changes to one bucket's configuration
    { dependsOn: [publicAccessBlock] },
  );

  const modelObject = new aws.s3.BucketObjectv2(
    "model-object",
    {
      bucket: bucket.id,
      key: MODEL_KEY,
      source: new pulumi.asset.FileAsset(config.modelFile),
      // a new model.txt (by content) is a new upload, whatever the asset's path
      sourceHash: createHash("md5").update(readFileSync(config.modelFile)).digest("hex"),
      contentType: "text/plain",
    },
    { dependsOn: [encryption, versioning] },
  );

  // --- the function's role: logs, and reading exactly the model object ------------------------------------
  const role = new aws.iam.Role("function-role", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
  });
  const basicExecution = new aws.iam.RolePolicyAttachment("function-basic-execution", {
    role: role.name,
    policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole,
  });
  // HeadObject (the function's ETag check) is authorised by s3:GetObject too.
  const modelObjectArn = pulumi.interpolate`${bucket.arn}/${modelObject.key}`;
  const readModelPolicy = new aws.iam.RolePolicy("function-read-model", {
    role: role.id,
    policy: modelObjectArn.apply((arn) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "ReadModelObject", Effect: "Allow", Action: "s3:GetObject", Resource: arn }],
      }),
    ),
  });

  // --- the function and its log group (created first, so the function never makes one without retention) ---
  const functionLogs = new aws.cloudwatch.LogGroup("function-logs", {
    name: `/aws/lambda/${config.functionName}`,
    retentionInDays: config.logRetentionDays,
  });
  const fn = new aws.lambda.Function(
    "function",
    {
      name: config.functionName,
      description: "LightGBM scoring (exact WebAssembly kernel) behind an API Gateway HTTP API",
      role: role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: [config.architecture],
      handler: LAMBDA_HANDLER,
      code: new pulumi.asset.FileArchive(packageDir),
      memorySize: config.memorySize,
      timeout: config.timeout,
      environment: {
        variables: {
          MODEL_BUCKET: bucket.bucket,
          MODEL_KEY: modelObject.key,
          MAX_ROWS: String(config.maxRows),
          MODEL_REFRESH_SECONDS: String(config.modelRefreshSeconds),
        },
      },
    },
    { dependsOn: [functionLogs, basicExecution, readModelPolicy] },
  );

  // --- the HTTP API ------------------------------------------------------------------------------------------
  const api = new aws.apigatewayv2.Api("http-api", {
    protocolType: "HTTP",
    description: `LightGBM scoring API (${config.functionName})`,
  });
  const integration = new aws.apigatewayv2.Integration("function-integration", {
    apiId: api.id,
    integrationType: "AWS_PROXY",
    integrationMethod: "POST",
    integrationUri: fn.arn,
    payloadFormatVersion: "2.0",
  });
  const routes = ROUTE_KEYS.map(
    (routeKey) =>
      new aws.apigatewayv2.Route(routeResourceName(routeKey), {
        apiId: api.id,
        routeKey,
        target: pulumi.interpolate`integrations/${integration.id}`,
      }),
  );
  const accessLogs = new aws.cloudwatch.LogGroup("api-access-logs", {
    name: `/aws/apigateway/${config.functionName}`,
    retentionInDays: config.logRetentionDays,
  });
  const stage = new aws.apigatewayv2.Stage("default-stage", {
    apiId: api.id,
    name: "$default",
    autoDeploy: true,
    accessLogSettings: {
      destinationArn: accessLogs.arn,
      format: JSON.stringify({
        requestId: "$context.requestId",
        ip: "$context.identity.sourceIp",
        requestTime: "$context.requestTime",
        routeKey: "$context.routeKey",
        status: "$context.status",
        responseLength: "$context.responseLength",
        latency: "$context.responseLatency",
        integrationLatency: "$context.integrationLatency",
        integrationError: "$context.integrationErrorMessage",
      }),
    },
  });
  const invokePermission = new aws.lambda.Permission("api-invoke-permission", {
    action: "lambda:InvokeFunction",
    principal: "apigateway.amazonaws.com",
    function: fn.name,
    // any stage and method of this API, and nothing else
    sourceArn: pulumi.interpolate`${api.executionArn}/*/*`,
  });

  return {
    resources: {
      bucket,
      publicAccessBlock,
      encryption,
      versioning,
      tlsOnlyPolicy,
      modelObject,
      role,
      basicExecution,
      readModelPolicy,
      functionLogs,
      fn,
      api,
      integration,
      routes,
      accessLogs,
      stage,
      invokePermission,
    },
    outputs: {
      // the $default stage is served at the API's root: "$url/predict"; resolves once the stage exists
      url: pulumi.all([api.apiEndpoint, stage.id]).apply(([endpoint]) => endpoint),
      bucketName: bucket.bucket,
      modelKey: modelObject.key,
      functionName: fn.name,
    },
  };
}

export type Stack = ReturnType<typeof createStack>;
