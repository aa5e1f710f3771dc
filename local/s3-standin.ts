import http from "node:http";
import { createHash, randomUUID } from "node:crypto";
import { closeServer, listen, readBody } from "./http";

/** One stored object. */
export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

/** The objects of the loopback S3, shared in-process with the local SageMaker Runtime (which reads and writes S3 as SageMaker does). */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  constructor(readonly buckets: ReadonlySet<string>) {}

  get(bucket: string, key: string): StoredObject | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }

  put(bucket: string, key: string, body: Buffer, contentType = "binary/octet-stream"): StoredObject {
    if (!this.buckets.has(bucket)) throw new Error(`no bucket ${bucket} in the local S3`);
    const stored = { body, contentType, etag: `"${createHash("md5").update(body).digest("hex")}"`, lastModified: new Date() };
    this.objects.set(`${bucket}/${key}`, stored);
    return stored;
  }
}

export interface LocalS3 {
  url: string;
  store: ObjectStore;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** S3's error answer: status, XML body (none for HEAD, as S3 sends). */
function sendError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string>,
): void {
  const requestId = String(res.getHeader("x-amz-request-id"));
  const fields = Object.entries({ Code: code, Message: message, ...extra, RequestId: requestId })
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join("");
  const body = req.method === "HEAD" ? "" : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}</Error>`;
  res.writeHead(status, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** An `aws-chunked` body (the SDK's streaming upload with a trailing checksum) without its framing. */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(at, eol).toString("latin1").split(";")[0], 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function objectHeaders(o: StoredObject): http.OutgoingHttpHeaders {
  return { "Content-Type": o.contentType, "Content-Length": o.body.length, ETag: o.etag, "Last-Modified": o.lastModified.toUTCString() };
}

async function handle(store: ObjectStore, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? "/", "http://localhost");
  // Path-style addressing: /<bucket>/<key>.
  const [, bucket = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  if (!store.buckets.has(bucket)) {
    sendError(req, res, 404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
    return;
  }
  // The SDK names the operation in `x-id`; any other parameter is a sub-resource (acl, tagging, ...) not served here.
  const subresource = [...url.searchParams.keys()].some((k) => k !== "x-id");
  const operation = `${req.method} ${key === "" ? "bucket" : "object"}${subresource ? "?" : ""}`;
  switch (operation) {
    case "PUT object": {
      const chunked = String(req.headers["content-encoding"] ?? "").includes("aws-chunked");
      const type = req.headers["content-type"] ?? "binary/octet-stream";
      const stored = store.put(bucket, key, chunked ? unchunk(body) : body, type);
      res.writeHead(200, { ETag: stored.etag, "Content-Length": 0 });
      res.end();
      return;
    }
    case "GET object":
    case "HEAD object": {
      const found = store.get(bucket, key);
      if (found === undefined) {
        sendError(req, res, 404, "NoSuchKey", "The specified key does not exist.", { Key: key });
        return;
      }
      res.writeHead(200, objectHeaders(found));
      res.end(req.method === "HEAD" ? undefined : found.body);
      return;
    }
    default:
      sendError(req, res, 501, "NotImplemented", `${req.method} ${url.pathname}${url.search} is not an operation of this local S3`, {});
  }
}

/**
 * A loopback S3 with PutObject, GetObject and HeadObject on path-style URLs, answering missing keys
 * and buckets with S3's own error codes and XML, so the real SDK client (pointed here by
 * AWS_ENDPOINT_URL_S3) works unchanged. Signatures are not checked; the given buckets exist.
 */
export async function startLocalS3(options: { port: number; buckets: readonly string[] }): Promise<LocalS3> {
  const store = new ObjectStore(new Set(options.buckets));
  const server = http.createServer((req, res) => {
    res.setHeader("x-amz-request-id", randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase());
    handle(store, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(req, res, 500, "InternalError", String(error), {});
    });
  });
  const port = await listen(server, options.port);
  return { url: `http://127.0.0.1:${port}`, store, close: () => closeServer(server, 5_000) };
}
