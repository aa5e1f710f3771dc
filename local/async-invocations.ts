import type http from "node:http";
import { randomUUID } from "node:crypto";
import { readBody, request, RequestTimeoutError, sendJson } from "./http";
import type { ObjectStore } from "./s3-standin";
import { LOCAL_ACCOUNT_ID, type LocalRuntimeOptions, error, modelError } from "./sagemaker-runtime";

export const ASYNC_INVOKE_PATH = /^\/endpoints\/([^/]+)\/async-invocations$/;

/** An async endpoint's output configuration: `s3://bucket/prefix/` URIs, as in `async_inference_config`. */
export interface AsyncOutput {
  outputPath: string;
  failurePath: string;
}

const DEFAULT_INVOCATION_TIMEOUT_MS = 60_000;

function s3Location(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
  return match ? { bucket: match[1], key: match[2] } : undefined;
}

/**
 * InvokeEndpointAsync (`POST /endpoints/{name}/async-invocations`) as SageMaker answers it: 202
 * with `InferenceId` in the JSON body and the output and failure locations in
 * `X-Amzn-SageMaker-OutputLocation` / `-FailureLocation`; then, in the background, the request is
 * read from S3, run on the model server, and the answer written to `<output path><uuid>.out` or the
 * failure to `<failure path><uuid>-error.out`.
 */
export class AsyncInvocations {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly options: Pick<LocalRuntimeOptions, "endpoints" | "region" | "invocationTimeoutMs" | "asyncEndpoints" | "s3">,
  ) {}

  async accept(req: http.IncomingMessage, res: http.ServerResponse, endpoint: string): Promise<void> {
    await readBody(req);
    const target = this.options.endpoints.get(endpoint);
    const output = this.options.asyncEndpoints?.get(endpoint);
    const s3 = this.options.s3;
    if (target === undefined) throw error(400, "ValidationError", `Endpoint ${endpoint} of account ${LOCAL_ACCOUNT_ID} not found.`);
    if (output === undefined || s3 === undefined) {
      throw error(400, "ValidationError", `Endpoint ${endpoint} of account ${LOCAL_ACCOUNT_ID} is not an asynchronous endpoint.`);
    }
    const input = s3Location(String(req.headers["x-amzn-sagemaker-inputlocation"] ?? ""));
    if (input === undefined) throw error(400, "ValidationError", "InputLocation must be an s3:// URI.");
    const id = randomUUID();
    const inferenceId = String(req.headers["x-amzn-sagemaker-inference-id"] ?? id);
    const outputLocation = `${output.outputPath}${id}.out`;
    const failureLocation = `${output.failurePath}${id}-error.out`;
    const headers = {
      "content-type": String(req.headers["x-amzn-sagemaker-content-type"] ?? "application/octet-stream"),
      accept: String(req.headers["x-amzn-sagemaker-accept"] ?? "*/*"),
    };
    sendJson(
      res,
      202,
      { InferenceId: inferenceId },
      { "X-Amzn-SageMaker-OutputLocation": outputLocation, "X-Amzn-SageMaker-FailureLocation": failureLocation },
    );
    const job = this.run(s3, endpoint, target, input, headers, outputLocation, failureLocation).finally(() => this.running.delete(job));
    this.running.add(job);
  }

  /** Waits for the requests still running. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async run(
    s3: ObjectStore,
    endpoint: string,
    target: string,
    input: { bucket: string; key: string },
    headers: http.OutgoingHttpHeaders,
    outputLocation: string,
    failureLocation: string,
  ): Promise<void> {
    const write = (uri: string, body: Buffer | string, contentType: string) => {
      const at = s3Location(uri) as { bucket: string; key: string };
      s3.put(at.bucket, at.key, Buffer.from(body), contentType);
    };
    const stored = s3.get(input.bucket, input.key);
    if (stored === undefined) {
      write(failureLocation, `Could not read the input from ${`s3://${input.bucket}/${input.key}`}: NoSuchKey.`, "text/plain");
      return;
    }
    const timeoutMs = this.options.invocationTimeoutMs ?? DEFAULT_INVOCATION_TIMEOUT_MS;
    try {
      const reply = await request(`${target}/invocations`, { method: "POST", headers, body: stored.body, timeoutMs });
      if (reply.status >= 200 && reply.status <= 299) {
        write(outputLocation, reply.body, String(reply.headers["content-type"] ?? "application/octet-stream"));
      } else {
        write(failureLocation, modelError(endpoint, this.options.region, reply.status, reply.body.toString("utf8")).message, "text/plain");
      }
    } catch (cause) {
      const message =
        cause instanceof RequestTimeoutError
          ? `Your invocation timed out while waiting for a response from container primary (${timeoutMs} ms).`
          : `The endpoint ${endpoint} is unavailable: ${(cause as Error).message}`;
      write(failureLocation, message, "text/plain");
    }
  }
}
