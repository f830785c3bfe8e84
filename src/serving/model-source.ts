// Where the model text comes from: an S3 object (identified by its ETag) or a file bundled with the
// function (identified by its SHA-256).
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { describeLocation, type ModelLocation } from "./config";

export interface ModelIdentity {
  /** s3://bucket/key or the file path. */
  key: string;
  etag?: string;
  sha256?: string;
}

export interface ModelSource {
  readonly location: string;
  /** A cheap token that changes when the model does (S3: HeadObject's ETag; file: size and mtime). */
  currentTag(): Promise<string>;
  fetch(): Promise<{ text: string; tag: string; identity: ModelIdentity }>;
}

export function modelSource(location: ModelLocation): ModelSource {
  return location.kind === "s3" ? new S3ModelSource(location) : new FileModelSource(location.path);
}

class S3ModelSource implements ModelSource {
  readonly location: string;
  private readonly client: S3Client;

  constructor(private readonly where: Extract<ModelLocation, { kind: "s3" }>) {
    this.location = describeLocation(where);
    this.client = new S3Client(
      where.endpoint
        ? {
            endpoint: where.endpoint,
            forcePathStyle: true,
            // S3-compatible test servers (s3rver) store aws-chunked uploads verbatim otherwise
            requestChecksumCalculation: "WHEN_REQUIRED",
            responseChecksumValidation: "WHEN_REQUIRED",
          }
        : {},
    );
  }

  async currentTag(): Promise<string> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: this.where.key }));
    return unquote(head.ETag);
  }

  async fetch(): Promise<{ text: string; tag: string; identity: ModelIdentity }> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: this.where.key }));
    const text = await object.Body!.transformToString("utf8");
    const etag = unquote(object.ETag);
    return { text, tag: etag, identity: { key: this.location, etag } };
  }
}

class FileModelSource implements ModelSource {
  constructor(readonly location: string) {}

  async currentTag(): Promise<string> {
    const info = await stat(this.location);
    return `${info.size}:${info.mtimeMs}`;
  }

  async fetch(): Promise<{ text: string; tag: string; identity: ModelIdentity }> {
    const tag = await this.currentTag();
    const bytes = await readFile(this.location);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    return { text: bytes.toString("utf8"), tag, identity: { key: this.location, sha256 } };
  }
}

/** S3 returns ETags in quotes ("\"9b2c...\""); the API shows the bare value. */
function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"(.*)"$/, "$1");
}
