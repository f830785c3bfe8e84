// Pulumi's unit-test mocks (no CLI, no engine, no AWS): every resource the program declares is recorded
// with its inputs, and "created" with the outputs AWS would compute (ARNs, endpoints, autonamed bucket).
// Importing this module installs the mocks, so import it before anything that declares resources.
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "lgbm-lambda";
export const STACK = "dev";
export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
export const API_ID = "a1b2c3d4e5";

export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

/** Resources declared since the last reset(), in declaration order (the default provider included). */
export const recorded: MockedResource[] = [];

export function reset(): void {
  recorded.length = 0;
}

/** The recorded resources of one type token, e.g. "aws:apigatewayv2/route:Route". */
export function ofType(type: string): MockedResource[] {
  return recorded.filter((resource) => resource.type === type);
}

/** The one recorded resource of a type (fails if there are none or several). */
export function single(type: string): MockedResource {
  const found = ofType(type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** What AWS computes for a resource: its id and the output properties the program reads. */
function computed(type: string, name: string, inputs: Record<string, any>): { id: string; state: Record<string, any> } {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? `${name}-7f3a9c1`; // Pulumi autonames with a random suffix
      return { id: bucket, state: { bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return {
        id: inputs.key,
        state: { arn: `arn:aws:s3:::${inputs.bucket}/${inputs.key}`, etag: inputs.sourceHash, versionId: "v1" },
      };
    case "aws:iam/role:Role":
      return { id: name, state: { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` } };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: inputs.name, state: { arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${inputs.name}` } };
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${inputs.name ?? name}`;
      return {
        id: inputs.name ?? name,
        state: {
          arn,
          invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        },
      };
    }
    case "aws:apigatewayv2/api:Api":
      return {
        id: API_ID,
        state: {
          apiEndpoint: `https://${API_ID}.execute-api.${REGION}.amazonaws.com`,
          executionArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}`,
          arn: `arn:aws:apigateway:${REGION}::/apis/${API_ID}`,
        },
      };
    case "aws:apigatewayv2/stage:Stage":
      return { id: inputs.name, state: { invokeUrl: `https://${API_ID}.execute-api.${REGION}.amazonaws.com/` } };
    default:
      return { id: `${name}-id`, state: {} };
  }
}

pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
      const { id, state } = computed(args.type, args.name, args.inputs);
      const full = { ...args.inputs, ...state };
      recorded.push({ type: args.type, name: args.name, inputs: args.inputs, state: full });
      return { id, state: full };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
      return args.inputs;
    },
  },
  PROJECT,
  STACK,
  false,
);

/** The value of an Output, once the mocked resources it depends on are "created". */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits until every given resource is registered (and so recorded). */
export async function registered(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((resource) => valueOf(resource.urn)));
}
