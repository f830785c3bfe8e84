// The Pulumi program (index.ts, infra/) under Pulumi's own unit-test mocks: no CLI, no engine, no AWS.
// Each declared resource is recorded with the inputs Pulumi would send to AWS (outputs resolved to the
// mocks' fake ARNs), and those inputs are held to the deployment's rules: least-privilege IAM, a private
// TLS-only bucket, the HTTP API's routes and the Lambda package built by `npm run build`.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "chai";
// the mocks are installed when this module loads: it comes before anything that declares resources
import {
  ACCOUNT,
  API_ID,
  type MockedResource,
  ofType,
  PROJECT,
  REGION,
  recorded,
  registered,
  reset,
  single,
  STACK,
  valueOf,
} from "./support/pulumi-mocks";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, type StackConfig } from "../infra/config";
import { createStack, type Stack } from "../infra/stack";

const ROOT = join(__dirname, "..");
const MODEL_FILE = "examples/adult_binary/model.txt";
const FUNCTION_NAME = `${PROJECT}-${STACK}`;
const BUCKET_NAME = "model-bucket-7f3a9c1"; // the mocks' autonamed bucket
const BUCKET_ARN = `arn:aws:s3:::${BUCKET_NAME}`;
const MODEL_OBJECT_ARN = `${BUCKET_ARN}/model.txt`;
const API_ENDPOINT = `https://${API_ID}.execute-api.${REGION}.amazonaws.com`;

const T = {
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  function: "aws:lambda/function:Function",
  permission: "aws:lambda/permission:Permission",
  api: "aws:apigatewayv2/api:Api",
  integration: "aws:apigatewayv2/integration:Integration",
  route: "aws:apigatewayv2/route:Route",
  stage: "aws:apigatewayv2/stage:Stage",
} as const;

/** Config as `pulumi config` would hand it over (strings), validated, for the mocked dev stack. */
function config(values: Record<string, string> = {}): StackConfig {
  return parseConfig((key) => values[key], { project: PROJECT, stack: STACK });
}

/** Declares the stack and waits until every resource is registered with the mocks. */
async function deploy(values: Record<string, string> = {}): Promise<Stack> {
  reset();
  const stack = createStack(config(values));
  await registered(Object.values(stack.resources).flat());
  return stack;
}

/** The error a synchronous call throws (fails if it returns). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error, nothing was thrown");
}

/** IAM lets Action and Resource be a string or a list. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The one log group of a given name. */
function logGroup(name: string): MockedResource {
  const found = ofType(T.logGroup).filter((group) => group.inputs.name === name);
  expect(found, `log group ${name}`).to.have.length(1);
  return found[0];
}

/** The folder a Lambda code archive uploads: a FileArchive, or an AssetArchive wrapping one at ".". */
async function archiveFolder(code: any): Promise<string> {
  if (pulumi.asset.FileArchive.isInstance(code)) return resolve(await (code as pulumi.asset.FileArchive).path);
  if (pulumi.asset.AssetArchive.isInstance(code)) {
    const assets = await (code as pulumi.asset.AssetArchive).assets;
    expect(Object.keys(assets), "AssetArchive entries").to.deep.equal(["."]);
    return archiveFolder(assets["."]);
  }
  throw new Error(`the function's code is not a folder archive: ${JSON.stringify(code)}`);
}

describe("deployment (Pulumi program under mocks)", function () {
  this.timeout(30_000);

  before(function () {
    // npm test builds first (pretest); a lone `npx mocha test/infra.test.ts` needs `npm run build` once
    expect(readdirSync(join(ROOT, "build", "lambda")), "build/lambda (run npm run build)").to.include("kernel.wasm");
  });

  describe("the dev stack with default config", function () {
    let stack: Stack;
    before(async function () {
      stack = await deploy();
    });

    it("declares each resource once, under a clear name", function () {
      const declared = recorded
        .filter((resource) => !resource.type.startsWith("pulumi:providers:"))
        .map((resource) => `${resource.type} ${resource.name}`)
        .sort();
      expect(declared).to.deep.equal(
        [
          `${T.bucket} model-bucket`,
          `${T.publicAccessBlock} model-bucket-public-access-block`,
          `${T.encryption} model-bucket-encryption`,
          `${T.versioning} model-bucket-versioning`,
          `${T.bucketPolicy} model-bucket-tls-only`,
          `${T.object} model-object`,
          `${T.role} function-role`,
          `${T.attachment} function-basic-execution`,
          `${T.rolePolicy} function-read-model`,
          `${T.logGroup} function-logs`,
          `${T.function} function`,
          `${T.api} http-api`,
          `${T.integration} function-integration`,
          `${T.route} route-post-predict`,
          `${T.route} route-get-model`,
          `${T.route} route-get-health`,
          `${T.route} route-get-root`,
          `${T.logGroup} api-access-logs`,
          `${T.stage} default-stage`,
          `${T.permission} api-invoke-permission`,
        ].sort(),
      );
    });

    describe("S3: a private, encrypted, versioned, TLS-only bucket holding the model", function () {
      it("blocks all public access (all four flags)", function () {
        const block = single(T.publicAccessBlock).inputs;
        expect(block.bucket).to.equal(BUCKET_NAME);
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
          expect(block[flag], flag).to.equal(true);
        }
      });

      it("encrypts at rest by default, with no KMS key the function would need rights to", function () {
        const sse = single(T.encryption).inputs;
        expect(sse.bucket).to.equal(BUCKET_NAME);
        expect(sse.rules).to.have.length(1);
        expect(sse.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({ sseAlgorithm: "AES256" });
      });

      it("keeps every version of the model", function () {
        const versioning = single(T.versioning).inputs;
        expect(versioning.bucket).to.equal(BUCKET_NAME);
        expect(versioning.versioningConfiguration).to.deep.equal({ status: "Enabled" });
      });

      it("denies every request that does not use TLS", function () {
        const policy = JSON.parse(single(T.bucketPolicy).inputs.policy);
        expect(single(T.bucketPolicy).inputs.bucket).to.equal(BUCKET_NAME);
        expect(policy.Statement).to.have.length(1);
        const [deny] = policy.Statement;
        expect(deny.Effect).to.equal("Deny");
        expect(deny.Principal).to.equal("*");
        expect(list(deny.Action)).to.deep.equal(["s3:*"]);
        expect(list(deny.Resource)).to.have.members([BUCKET_ARN, `${BUCKET_ARN}/*`]);
        expect(deny.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
      });

      it("uploads modelFile as the model object, keyed model.txt", function () {
        const object = single(T.object).inputs;
        expect(object.bucket).to.equal(BUCKET_NAME);
        expect(object.key).to.equal("model.txt");
        expect(pulumi.asset.FileAsset.isInstance(object.source), "source is a FileAsset").to.equal(true);
        expect(object.sourceHash).to.equal(createHash("md5").update(readFileSync(join(ROOT, MODEL_FILE))).digest("hex"));
      });

      it("the bucket has no other configuration resources (no ACL, no website, no public policy)", function () {
        const s3 = recorded.filter((resource) => resource.type.startsWith("aws:s3/")).map((resource) => resource.type);
        expect(s3).to.have.members([T.bucket, T.publicAccessBlock, T.encryption, T.versioning, T.bucketPolicy, T.object]);
      });
    });

    describe("IAM: the function may write its logs and read exactly the model object", function () {
      it("the role trusts Lambda only", function () {
        const trust = JSON.parse(single(T.role).inputs.assumeRolePolicy);
        expect(trust.Statement).to.deep.equal([
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
      });

      it("the inline policy allows exactly s3:GetObject on exactly the model object's ARN, nothing else", async function () {
        const rolePolicy = single(T.rolePolicy).inputs;
        expect(rolePolicy.role).to.equal("function-role"); // the role's id
        const policy = JSON.parse(rolePolicy.policy);
        expect(policy.Version).to.equal("2012-10-17");
        expect(policy.Statement).to.have.length(1);
        const [statement] = policy.Statement;
        expect(Object.keys(statement).filter((key) => key !== "Sid")).to.have.members(["Effect", "Action", "Resource"]);
        expect(statement.Effect).to.equal("Allow");
        expect(list(statement.Action)).to.deep.equal(["s3:GetObject"]);
        expect(list(statement.Resource)).to.deep.equal([MODEL_OBJECT_ARN]);
        // the same ARN S3 reports for the object, and no wildcard anywhere
        expect(await valueOf(stack.resources.modelObject.arn)).to.equal(MODEL_OBJECT_ARN);
        expect(rolePolicy.policy).not.to.include("*");
      });

      it("the only other grant is AWS's basic execution policy (CloudWatch Logs)", function () {
        const attachment = single(T.attachment).inputs;
        expect(attachment.role).to.equal("function-role");
        expect(attachment.policyArn).to.equal("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        const iam = recorded.filter((resource) => resource.type.startsWith("aws:iam/")).map((resource) => resource.type);
        expect(iam).to.have.members([T.role, T.attachment, T.rolePolicy]);
      });
    });

    describe("Lambda", function () {
      it("runs the bundle on Node.js with the configured architecture, memory and timeout", function () {
        const fn = single(T.function).inputs;
        expect(fn.name).to.equal(FUNCTION_NAME);
        expect(fn.runtime).to.match(/^nodejs(20|22)\.x$/);
        expect(fn.runtime).to.equal("nodejs22.x");
        expect(fn.architectures).to.deep.equal(["arm64"]);
        expect(fn.handler).to.equal("index.handler");
        expect(fn.memorySize).to.equal(512);
        expect(fn.timeout).to.equal(10);
        expect(fn.role).to.equal(`arn:aws:iam::${ACCOUNT}:role/function-role`);
      });

      it("is told where the model is and how many rows a request may hold", function () {
        expect(single(T.function).inputs.environment).to.deep.equal({
          variables: {
            MODEL_BUCKET: BUCKET_NAME,
            MODEL_KEY: "model.txt",
            MAX_ROWS: "10000",
            MODEL_REFRESH_SECONDS: "60",
          },
        });
      });

      it("uploads build/lambda: the handler bundle and kernel.wasm, nothing else", async function () {
        const folder = await archiveFolder(single(T.function).inputs.code);
        expect(folder).to.equal(join(ROOT, "build", "lambda"));
        const files = readdirSync(folder).sort();
        expect(files, "build/lambda").to.have.length(2);
        expect(files).to.include("kernel.wasm");
        // module `index` of the handler string
        expect(files).to.include("index.mjs");
        expect(statSync(join(folder, "index.mjs")).size).to.be.greaterThan(0);
        const wasm = readFileSync(join(folder, "kernel.wasm"));
        expect(WebAssembly.validate(wasm), "kernel.wasm is valid WebAssembly").to.equal(true);
        expect(wasm.equals(readFileSync(join(ROOT, "build", "kernel.wasm"))), "the kernel npm run build made").to.equal(true);
      });

      it("logs to /aws/lambda/<function name>, with retention", function () {
        expect(logGroup(`/aws/lambda/${FUNCTION_NAME}`).inputs.retentionInDays).to.equal(14);
      });
    });

    describe("API Gateway v2 HTTP API", function () {
      it("is an HTTP API", function () {
        expect(single(T.api).inputs.protocolType).to.equal("HTTP");
      });

      it("proxies to the function with payload format 2.0", function () {
        const integration = single(T.integration).inputs;
        expect(integration.apiId).to.equal(API_ID);
        expect(integration.integrationType).to.equal("AWS_PROXY");
        expect(integration.payloadFormatVersion).to.equal("2.0");
        expect(integration.integrationUri).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`);
      });

      it("routes POST /predict, GET /model, GET /health and GET / to that integration", function () {
        const routes = ofType(T.route).map((route) => route.inputs);
        expect(routes.map((route) => route.routeKey)).to.have.members(["POST /predict", "GET /model", "GET /health", "GET /"]);
        expect(routes).to.have.length(4);
        for (const route of routes) {
          expect(route.apiId, route.routeKey).to.equal(API_ID);
          expect(route.target, route.routeKey).to.equal("integrations/function-integration-id");
        }
      });

      it("serves a $default stage that deploys itself and writes JSON access logs to its own log group", function () {
        const stage = single(T.stage).inputs;
        expect(stage.apiId).to.equal(API_ID);
        expect(stage.name).to.equal("$default");
        expect(stage.autoDeploy).to.equal(true);
        const accessLogs = logGroup(`/aws/apigateway/${FUNCTION_NAME}`);
        expect(accessLogs.inputs.retentionInDays).to.equal(14);
        expect(stage.accessLogSettings.destinationArn).to.equal(accessLogs.state.arn);
        expect(stage.accessLogSettings.destinationArn).not.to.include("/aws/lambda/");
        const format = JSON.parse(stage.accessLogSettings.format);
        expect(format).to.include({ requestId: "$context.requestId", routeKey: "$context.routeKey", status: "$context.status" });
      });

      it("may invoke the function only from this API (source ARN = its execution ARN/*/*)", function () {
        const permission = single(T.permission).inputs;
        expect(permission.action).to.equal("lambda:InvokeFunction");
        expect(permission.principal).to.equal("apigateway.amazonaws.com");
        expect(permission.function).to.equal(FUNCTION_NAME);
        expect(permission.sourceArn).to.equal(`arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/*/*`);
      });
    });

    it("outputs url (the API root, no trailing slash), bucketName, modelKey and functionName", async function () {
      expect(Object.keys(stack.outputs)).to.have.members(["url", "bucketName", "modelKey", "functionName"]);
      expect(await valueOf(stack.outputs.url)).to.equal(API_ENDPOINT);
      expect(await valueOf(stack.outputs.bucketName)).to.equal(BUCKET_NAME);
      expect(await valueOf(stack.outputs.modelKey)).to.equal("model.txt");
      expect(await valueOf(stack.outputs.functionName)).to.equal(FUNCTION_NAME);
    });
  });

  describe("configured values reach the resources", function () {
    it("architecture, memory, timeout, retention and rows", async function () {
      await deploy({
        architecture: "x86_64",
        memorySize: "1769",
        timeout: "30",
        logRetentionDays: "90",
        maxRows: "250",
        modelRefreshSeconds: "300",
      });
      const fn = single(T.function).inputs;
      expect(fn.architectures).to.deep.equal(["x86_64"]);
      expect(fn.memorySize).to.equal(1769);
      expect(fn.timeout).to.equal(30);
      expect(fn.environment.variables).to.include({ MAX_ROWS: "250", MODEL_REFRESH_SECONDS: "300" });
      for (const group of ofType(T.logGroup)) expect(group.inputs.retentionInDays, group.inputs.name).to.equal(90);
    });

    it("index.ts reads the lgbm-lambda:* keys and exports the four outputs", async function () {
      reset();
      pulumi.runtime.setAllConfig({ "lgbm-lambda:memorySize": "2048", "lgbm-lambda:architecture": "x86_64" });
      try {
        // the Pulumi program itself, as `pulumi up` loads it
        const program = require("../index") as Record<string, pulumi.Output<string>>;
        expect(Object.keys(program)).to.have.members(["url", "bucketName", "modelKey", "functionName"]);
        expect(await valueOf(program.url)).to.equal(API_ENDPOINT);
        expect(await valueOf(program.bucketName)).to.equal(BUCKET_NAME);
        expect(await valueOf(program.modelKey)).to.equal("model.txt");
        expect(await valueOf(program.functionName)).to.equal(FUNCTION_NAME);
        const fn = single(T.function).inputs;
        expect(fn.memorySize).to.equal(2048);
        expect(fn.architectures).to.deep.equal(["x86_64"]);
      } finally {
        pulumi.runtime.setAllConfig({});
      }
    });
  });

  describe("config: defaults and validation", function () {
    it("an unset key takes its default", function () {
      expect(config()).to.deep.equal({
        modelFile: "examples/adult_binary/model.txt",
        memorySize: 512,
        timeout: 10,
        architecture: "arm64",
        logRetentionDays: 14,
        maxRows: 10000,
        modelRefreshSeconds: 60,
        functionName: "lgbm-lambda-dev",
      });
      expect(config({ memorySize: "", architecture: " " })).to.include({ memorySize: 512, architecture: "arm64" });
    });

    it("set keys are parsed", function () {
      expect(
        config({
          modelFile: "models/churn.txt",
          memorySize: "10240",
          timeout: "1",
          architecture: "x86_64",
          logRetentionDays: "0",
          maxRows: "1",
          modelRefreshSeconds: "0",
        }),
      ).to.deep.equal({
        modelFile: "models/churn.txt",
        memorySize: 10240,
        timeout: 1,
        architecture: "x86_64",
        logRetentionDays: 0,
        maxRows: 1,
        modelRefreshSeconds: 0,
        functionName: "lgbm-lambda-dev",
      });
    });

    const invalid: Array<[string, string[], RegExp]> = [
      ["architecture", ["arm", "aarch64", "x86-64", "ARM64"], /^lgbm-lambda:architecture must be one of arm64 \| x86_64, got "/],
      ["memorySize", ["abc", "127", "10241", "512.5", "1e3", "0x200", "-512"], /^lgbm-lambda:memorySize must be an integer from 128 to 10240 MB/],
      ["timeout", ["0", "31", "ten", "2.5"], /^lgbm-lambda:timeout must be an integer from 1 to 30 seconds/],
      ["maxRows", ["0", "-5", "many"], /^lgbm-lambda:maxRows must be an integer from 1 /],
      ["logRetentionDays", ["10", "-1", "abc", "14.0"], /^lgbm-lambda:logRetentionDays must be one of CloudWatch's retention values \(0, 1, 3, 5, 7, 14, /],
      ["modelRefreshSeconds", ["-1", "86401", "x"], /^lgbm-lambda:modelRefreshSeconds must be an integer from 0 to 86400/],
    ];
    for (const [key, values, message] of invalid) {
      it(`rejects a bad ${key} with a clear message`, function () {
        for (const value of values) {
          const error = thrown(() => config({ [key]: value }));
          expect(error.message, `${key}=${value}`).to.match(message);
          expect(error.message, `${key}=${value}`).to.include(JSON.stringify(value));
          expect(pulumi.RunError.isInstance(error), "a RunError (Pulumi prints it without a stack trace)").to.equal(true);
        }
      });
    }

    it("derives a valid Lambda function name from project and stack", function () {
      expect(parseConfig(() => undefined, { project: PROJECT, stack: "prod.eu" }).functionName).to.equal("lgbm-lambda-prod-eu");
      const error = thrown(() => parseConfig(() => undefined, { project: PROJECT, stack: "s".repeat(60) }));
      expect(error.message).to.match(/longer than Lambda's 64 characters/);
    });

    it("Pulumi.yaml names the project; Pulumi.dev.yaml sets only keys the program reads, to valid values", function () {
      const project = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8");
      expect(project).to.match(/^name: lgbm-lambda$/m);
      expect(project).to.match(/^runtime: nodejs$/m);
      expect(project).to.match(/^description: \S/m);
      const lines = readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8").split("\n");
      const settings = Object.fromEntries(
        lines
          .map((line) => /^ {2}([\w-]+:\w+):\s*"?([^"#]*?)"?\s*$/.exec(line))
          .filter((match) => match !== null)
          .map((match) => [match[1], match[2]]),
      );
      expect(settings).to.have.property("aws:region").that.matches(/^[a-z]{2}(-[a-z]+)+-\d$/);
      const own = Object.keys(settings).filter((key) => key.startsWith(`${PROJECT}:`));
      // a misspelled key would be ignored silently by `pulumi up`
      expect(own.map((key) => key.slice(PROJECT.length + 1))).to.have.members(
        ["modelFile", "memorySize", "timeout", "architecture", "logRetentionDays", "maxRows"],
      );
      expect(own).to.have.length(6);
      const parsed = parseConfig((key) => settings[`${PROJECT}:${key}`], { project: PROJECT, stack: STACK });
      expect(parsed).to.include({ modelFile: MODEL_FILE, architecture: "arm64", memorySize: 512 });
    });
  });

  describe("missing inputs fail before any resource is declared", function () {
    const cwd = process.cwd();
    let dir: string;
    const absoluteModel = join(ROOT, MODEL_FILE);

    beforeEach(function () {
      dir = mkdtempSync(join(tmpdir(), "lgbm-infra-"));
      process.chdir(dir); // the project folder, as under `pulumi up`
      reset();
    });
    afterEach(function () {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    });

    it("no bundle: run npm run build first", function () {
      const error = thrown(() => createStack({ ...config(), modelFile: absoluteModel }));
      expect(error.message).to.equal("build/lambda/index.mjs not found: run npm run build first");
      expect(recorded).to.deep.equal([]);
    });

    it("no kernel.wasm beside the bundle: run npm run build first", function () {
      mkdirSync(join(dir, "build", "lambda"), { recursive: true });
      writeFileSync(join(dir, "build", "lambda", "index.mjs"), "export const handler = async () => ({});\n");
      const error = thrown(() => createStack({ ...config(), modelFile: absoluteModel }));
      expect(error.message).to.equal("build/lambda/kernel.wasm not found: run npm run build first");
    });

    it("no model file: names the file and the config key", function () {
      mkdirSync(join(dir, "build", "lambda"), { recursive: true });
      for (const file of ["index.mjs", "kernel.wasm"]) writeFileSync(join(dir, "build", "lambda", file), "x");
      const error = thrown(() => createStack(config({ modelFile: "models/missing.txt" })));
      expect(error.message).to.match(/^model file models\/missing\.txt not found \(.*\): set lgbm-lambda:modelFile to a LightGBM model\.txt$/);
      expect(pulumi.RunError.isInstance(error)).to.equal(true);
      expect(recorded).to.deep.equal([]);
    });
  });
});
