// A real S3 API on loopback (s3rver, storing to a temporary folder), for npm start and the tests.
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

/** s3rver's fixed credentials. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  upload(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalS3(buckets: string[], port = 0): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "lgbm-lambda-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: LOCAL_S3_CREDENTIALS,
    // with the default (WHEN_SUPPORTED) s3rver stores the aws-chunked framing as part of the object
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    endpoint,
    client,
    upload: async (bucket, key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
