import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface HubFile {
  path: string;
  content: Buffer;
  lfs?: boolean;
  /** Listing lies about the size (the served content stays `content`). */
  listedSize?: number;
  /** Listing lies about the LFS sha256. */
  listedSha256?: string;
  /** Send only this many body bytes of the next full download, then drop the connection. */
  dropAfter?: number;
}

export interface RecordedRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface FakeHub {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const gitBlobSha1 = (content: Buffer): string => createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");

function treeEntry(file: HubFile): object {
  const size = file.listedSize ?? file.content.length;
  if (!file.lfs) return { type: "file", path: file.path, size, oid: gitBlobSha1(file.content) };
  const sha256 = file.listedSha256 ?? createHash("sha256").update(file.content).digest("hex");
  return { type: "file", path: file.path, size: 134, oid: "f".repeat(40), lfs: { oid: sha256, size, pointerSize: 134 } };
}

/** Answers the routes @huggingface/hub uses: the tree listing and `resolve` downloads (with Range). */
export async function startFakeHub(repo: string, revision: string, files: HubFile[]): Promise<FakeHub> {
  const requests: RecordedRequest[] = [];
  const treePath = `/api/models/${repo}/tree/${revision}`;
  const resolvePrefix = `/${repo}/resolve/${encodeURIComponent(revision)}/`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push({ method: req.method ?? "", url: url.pathname, range: req.headers.range, authorization: req.headers.authorization });
    if (url.pathname === treePath && url.searchParams.get("recursive") === "true") {
      const entries = [{ type: "directory", path: "code", size: 0, oid: "d".repeat(40) }, ...files.map(treeEntry)];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entries));
      return;
    }
    const file = url.pathname.startsWith(resolvePrefix)
      ? files.find((f) => f.path === decodeURIComponent(url.pathname.slice(resolvePrefix.length)))
      : undefined;
    if (!file) {
      res.writeHead(404, { "x-error-code": "EntryNotFound", "content-type": "application/json" }).end('{"error":"Entry not found"}');
      return;
    }
    const total = file.content.length;
    const etag = `"${createHash("sha256").update(file.content).digest("hex")}"`;
    const headers: http.OutgoingHttpHeaders = { etag, "content-type": "application/octet-stream", "accept-ranges": "bytes" };
    if (file.lfs) Object.assign(headers, { "x-linked-size": String(total), "x-linked-etag": etag });
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (match) {
      const start = Number(match[1]);
      const end = match[2] ? Math.min(Number(match[2]), total - 1) : total - 1;
      res.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${total}`, "content-length": end - start + 1 });
      res.end(file.content.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...headers, "content-length": total });
    if (file.dropAfter !== undefined) {
      const keep = file.dropAfter;
      file.dropAfter = undefined;
      res.write(file.content.subarray(0, keep), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(file.content);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
