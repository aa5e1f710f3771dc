import { StandardRetryStrategy } from "@smithy/core/retry";

type RetryErrorInfo = Parameters<StandardRetryStrategy["refreshRetryTokenForRetry"]>[1];

// Node's errors for a connection that was never made: the request cannot have reached the model.
const NOT_CONNECTED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

// Read by shape, not instanceof: Node's socket errors may come from another realm (jest, vm).
function neverSent(error: Partial<NodeJS.ErrnoException> | undefined): boolean {
  if (error?.code !== undefined && NOT_CONNECTED_CODES.has(error.code)) return true;
  // The SDK's connectionTimeout fires before a socket connects (there is no request timeout).
  return error?.name === "TimeoutError" && (error.message ?? "").includes("did not establish a connection");
}

/**
 * The SDK's standard strategy (backoff, retry quota), refusing every retry of a request the
 * endpoint may have received: timeouts, 5xx answers and dropped connections would run the model
 * a second time. Throttling was refused before any work, and unconnected requests were never sent.
 */
export class SentRequestSafeRetryStrategy extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(...args: Parameters<StandardRetryStrategy["refreshRetryTokenForRetry"]>) {
    const [, errorInfo] = args;
    if (!isSafeToRetry(errorInfo)) throw errorInfo.error ?? new Error(`not retried: ${errorInfo.errorType}`);
    return super.refreshRetryTokenForRetry(...args);
  }
}

function isSafeToRetry(errorInfo: RetryErrorInfo): boolean {
  return errorInfo.errorType === "THROTTLING" || neverSent(errorInfo.error);
}
