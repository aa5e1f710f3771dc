// The function construct's defaults, in a module without cdktf so that local mode, which runs
// the same function outside Terraform, applies the same values.
import { MAX_LAMBDA_TIMEOUT_SECONDS } from "../contract/limits";

export const FUNCTION_DEFAULTS = {
  memoryMb: 256,
  /** The most API Gateway waits for, less a second for the answer to travel back. */
  timeoutSeconds: MAX_LAMBDA_TIMEOUT_SECONDS,
} as const;
