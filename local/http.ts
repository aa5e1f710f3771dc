import http from "node:http";
import type { AddressInfo } from "node:net";
import { UserError } from "../lib/errors";

const LOOPBACK = "127.0.0.1";

/** Listens on 127.0.0.1 only; port 0 picks a free port. Resolves with the bound port. */
export function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void =>
      reject(
        error.code === "EADDRINUSE"
          ? new UserError(
              `port ${port} on ${LOOPBACK} is already in use; pick another with --port / --runtime-port / --model-port (0 = any free port)`,
              { cause: error },
            )
          : error,
      );
    server.once("error", failed);
    server.listen(port, LOOPBACK, () => {
      server.off("error", failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections, lets requests in flight finish for `graceMs`, then cuts the rest. */
export function closeServer(server: http.Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    // A keep-alive connection turns idle when its request in flight is answered; close it then.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  response.end(payload);
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request to a loopback URL; rejects on connection errors and after `timeoutMs`. */
export function request(
  url: string,
  init: { method: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string; timeoutMs: number },
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method, headers: init.headers, timeout: init.timeoutMs }, (res) => {
      readBody(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
    });
    req.on("timeout", () => req.destroy(new RequestTimeoutError(`no answer from ${url} within ${init.timeoutMs} ms`)));
    req.on("error", reject);
    req.end(init.body);
  });
}

export class RequestTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RequestTimeoutError";
  }
}
