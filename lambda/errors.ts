/** An error whose message is written for the client (validation, size, content type). */
export class ClientError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "ClientError";
  }
}

/** The endpoint answered, but not in a shape this handler understands. */
export class BadModelResponseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BadModelResponseError";
  }
}

/** An asynchronous endpoint wrote a failure object for the request instead of a result. */
export class AsyncInferenceFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AsyncInferenceFailedError";
  }
}

export interface MappedError {
  statusCode: number;
  /** Safe to show to the client. */
  message: string;
  headers: Record<string, string>;
  /** `client`: the caller's fault; `upstream`: the endpoint's; `internal`: a bug or misconfiguration. */
  kind: "client" | "upstream" | "internal";
}

// Seconds; a model that is not ready is usually loading (minutes on a cold serverless endpoint),
// throttling clears quickly.
export const RETRY_AFTER_MODEL_NOT_READY_S = 10;
export const RETRY_AFTER_THROTTLED_S = 2;

const upstream = (statusCode: number, message: string, retryAfterS?: number): MappedError => ({
  statusCode,
  message,
  headers: retryAfterS === undefined ? {} : { "Retry-After": String(retryAfterS) },
  kind: "upstream",
});

const internal = (): MappedError => ({ statusCode: 500, message: "Internal server error.", headers: {}, kind: "internal" });

// Keyed by the SDK error `name` (SageMaker's or Bedrock's `x-amzn-ErrorType`, or the HTTP handler's error).
const BY_NAME: ReadonlyMap<string, MappedError> = new Map([
  ["ModelError", upstream(502, "The model failed to process the request.")],
  ["BadModelResponseError", upstream(502, "The model returned an unexpected response.")],
  ["AsyncInferenceFailedError", upstream(502, "The model failed to process the request.")],
  ["InternalFailure", upstream(502, "The model endpoint failed to process the request.")],
  ["InternalDependencyException", upstream(502, "The model endpoint failed to process the request.")],
  ["ModelNotReadyException", upstream(503, "The model is not ready yet; retry later.", RETRY_AFTER_MODEL_NOT_READY_S)],
  ["ThrottlingException", upstream(503, "The model endpoint is busy; retry later.", RETRY_AFTER_THROTTLED_S)],
  ["ServiceUnavailable", upstream(503, "The model endpoint is temporarily unavailable; retry later.")],
  ["TimeoutError", upstream(504, "The model did not answer in time.")],
  ["AbortError", upstream(504, "The model did not answer in time.")],
  // Bedrock Runtime. ModelNotReadyException and ThrottlingException are SageMaker's names too (above).
  ["ModelErrorException", upstream(502, "The model failed to process the request.")],
  ["ModelTimeoutException", upstream(504, "The model did not answer in time.")],
  ["InternalServerException", upstream(502, "The model service failed to process the request.")],
  ["ServiceUnavailableException", upstream(503, "The model service is temporarily unavailable; retry later.")],
  ["ServiceQuotaExceededException", upstream(503, "The model service is busy; retry later.", RETRY_AFTER_THROTTLED_S)],
  // The request passed the route's contract, so what Bedrock refuses is the text itself (over the
  // model's token window): the client's 400, with Bedrock's own words kept in the warning log.
  ["ValidationException", upstream(400, "The model refused the input, for example a text longer than the model reads.")],
  // Model access not granted in the account, or a model id the Region lacks: the deployment's fault, logged as an error.
  ["AccessDeniedException", internal()],
  ["ResourceNotFoundException", internal()],
]);

const INTERNAL: MappedError = internal();

/** The one place where an error becomes an HTTP status and a client-safe message. */
export function mapError(error: unknown): MappedError {
  if (error instanceof ClientError) {
    return { statusCode: error.statusCode, message: error.message, headers: {}, kind: "client" };
  }
  if (error instanceof Error) {
    return BY_NAME.get(error.name) ?? INTERNAL;
  }
  return INTERNAL;
}
