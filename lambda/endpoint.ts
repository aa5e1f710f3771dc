import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { HandlerConfig } from "./environment";
import { BadModelResponseError } from "./errors";
import { SentRequestSafeRetryStrategy } from "./retry";

const CONNECTION_TIMEOUT_MS = 3_000;

/**
 * Region and credentials come from the Lambda environment; `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`
 * redirects it. No request timeout: the caller's abort signal (the Lambda deadline) bounds the
 * one attempt a sent request gets.
 */
export function createClient(config: Pick<HandlerConfig, "invokeMaxAttempts">): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    retryStrategy: new SentRequestSafeRetryStrategy(config.invokeMaxAttempts),
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS },
  });
}

/** Sends a task's request body to the endpoint and returns its parsed JSON answer. */
export async function invokeEndpoint(
  client: SageMakerRuntimeClient,
  endpointName: string,
  body: unknown,
  abortSignal: AbortSignal,
): Promise<unknown> {
  const output = await client.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      ContentType: "application/json",
      Accept: "application/json",
      Body: JSON.stringify(body),
    }),
    { abortSignal },
  );
  const answer = output.Body?.transformToString("utf8") ?? "";
  try {
    return JSON.parse(answer);
  } catch (cause) {
    throw new BadModelResponseError(`response is not JSON (${output.ContentType ?? "no content type"}, ${answer.length} chars)`, { cause });
  }
}
