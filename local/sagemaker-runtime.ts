import http from "node:http";
import { randomUUID } from "node:crypto";
import { closeServer, type HttpReply, listen, readBody, request, RequestTimeoutError, sendJson } from "./http";
import { ASYNC_INVOKE_PATH, AsyncInvocations, type AsyncOutput } from "./async-invocations";
import type { ObjectStore } from "./s3-standin";

export const LOCAL_ACCOUNT_ID = "000000000000";
/** SAGEMAKER_MODEL_SERVER_TIMEOUT's default: how long SageMaker waits for the container. */
const DEFAULT_INVOCATION_TIMEOUT_MS = 60_000;

export interface LocalRuntimeOptions {
  port: number;
  region: string;
  /** Endpoint name -> base URL of the model server behind it. */
  endpoints: ReadonlyMap<string, string>;
  invocationTimeoutMs?: number;
  /** Async endpoints (InvokeEndpointAsync): name -> where results and failures go. @default none */
  asyncEndpoints?: ReadonlyMap<string, AsyncOutput>;
  /** The local S3 the async endpoints read requests from and write answers to; required with asyncEndpoints. */
  s3?: ObjectStore;
}

export interface LocalRuntime {
  url: string;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/endpoints\/([^/]+)\/invocations$/;
// Request headers SageMaker passes on to the container.
const FORWARDED = ["content-type", "accept", "x-amzn-sagemaker-custom-attributes"];

/** An error answer: HTTP status, `x-amzn-ErrorType` and JSON body. */
export class RuntimeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

export const error = (status: number, type: string, message: string) => new RuntimeError(status, type, { message });

export function modelError(endpoint: string, region: string, status: number, original: string): RuntimeError {
  const kind = status >= 500 ? "server" : "client";
  const logGroup = `/aws/sagemaker/Endpoints/${endpoint}`;
  const message =
    `Received ${kind} error (${status}) from primary with message "${original}". ` +
    `See the log group ${logGroup} in account ${LOCAL_ACCOUNT_ID} for more information.`;
  return new RuntimeError(424, "ModelError", {
    ErrorCode: `${kind.toUpperCase()}_ERROR_FROM_MODEL`,
    LogStreamArn: `arn:aws:logs:${region}:${LOCAL_ACCOUNT_ID}:log-group:${logGroup}`,
    message,
    OriginalMessage: original,
    OriginalStatusCode: status,
  });
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(FORWARDED.flatMap((name) => (headers[name] === undefined ? [] : [[name, headers[name]]])));
}

async function invoke(options: LocalRuntimeOptions, req: http.IncomingMessage, res: http.ServerResponse, endpoint: string): Promise<void> {
  const target = options.endpoints.get(endpoint);
  const body = await readBody(req);
  if (target === undefined) {
    throw error(400, "ValidationError", `Endpoint ${endpoint} of account ${LOCAL_ACCOUNT_ID} not found.`);
  }
  const timeoutMs = options.invocationTimeoutMs ?? DEFAULT_INVOCATION_TIMEOUT_MS;
  let reply: HttpReply;
  try {
    reply = await request(`${target}/invocations`, { method: "POST", headers: forwardedHeaders(req.headers), body, timeoutMs });
  } catch (cause) {
    if (cause instanceof RequestTimeoutError) {
      throw error(424, "ModelError", `Your invocation timed out while waiting for a response from container primary (${timeoutMs} ms).`);
    }
    // The container is gone or refused the connection: SageMaker reports the endpoint unavailable.
    throw error(503, "ServiceUnavailable", `The endpoint ${endpoint} is unavailable: ${(cause as Error).message}`);
  }
  if (reply.status < 200 || reply.status > 299) {
    throw modelError(endpoint, options.region, reply.status, reply.body.toString("utf8"));
  }
  res.writeHead(200, {
    "Content-Type": reply.headers["content-type"] ?? "application/octet-stream",
    "Content-Length": reply.body.length,
    "x-Amzn-Invoked-Production-Variant": "AllTraffic",
  });
  res.end(reply.body);
}

/**
 * A loopback SageMaker Runtime: InvokeEndpoint (`POST /endpoints/{name}/invocations`) forwarded
 * to a model server, and InvokeEndpointAsync for async endpoints (local/async-invocations.ts), answering with the service's error shapes (`x-amzn-ErrorType` + JSON) so
 * unmodified AWS clients work against it. Request signatures are not checked.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const queued = new AsyncInvocations(options);
  const server = http.createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader("x-amzn-RequestId", requestId);
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const match = INVOKE_PATH.exec(pathname);
    const asyncMatch = ASYNC_INVOKE_PATH.exec(pathname);
    const handled =
      req.method === "POST" && match
        ? invoke(options, req, res, decodeURIComponent(match[1]))
        : req.method === "POST" && asyncMatch
          ? queued.accept(req, res, decodeURIComponent(asyncMatch[1]))
          : Promise.reject(error(404, "UnknownOperationException", `${req.method} ${req.url} is not an operation of this local runtime`));
    handled.catch((caught: unknown) => {
      const failure = caught instanceof RuntimeError ? caught : error(500, "InternalFailure", String(caught));
      if (!res.headersSent) sendJson(res, failure.status, failure.body, { "x-amzn-ErrorType": failure.type });
      else res.destroy();
    });
  });
  const port = await listen(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await closeServer(server, 5_000);
      await queued.drain();
    },
  };
}
