import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { AsyncStoreConfig } from "./async-environment";

const CONNECTION_TIMEOUT_MS = 3_000;

/**
 * Region and credentials come from the Lambda environment; `AWS_ENDPOINT_URL_S3` redirects it
 * (local mode: the loopback stand-in, which the SDK addresses path-style as its host is an IP).
 */
export function createS3Client(): S3Client {
  return new S3Client({ requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS } });
}

/** An `s3://bucket/key` location split, or undefined for anything else. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}

export async function putJson(
  client: S3Client,
  store: AsyncStoreConfig,
  key: string,
  value: unknown,
  abortSignal: AbortSignal,
): Promise<void> {
  await client.send(
    new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: JSON.stringify(value), ContentType: "application/json" }),
    { abortSignal },
  );
}

/** The object's text, or undefined where there is no such key (S3's NoSuchKey). */
export async function getText(client: S3Client, bucket: string, key: string, abortSignal: AbortSignal): Promise<string | undefined> {
  try {
    const output = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
    return (await output.Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    if (error instanceof Error && error.name === "NoSuchKey") return undefined;
    throw error;
  }
}
