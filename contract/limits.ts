// Service limits every layer sizes itself by: synth (config checks, construct defaults), the
// handler and local mode. Imports nothing.

/** API Gateway REST APIs stop waiting for an integration after 29 seconds. */
export const API_GATEWAY_TIMEOUT_SECONDS = 29;

/** SageMaker real-time InvokeEndpoint payload limit (6 MB). */
export const MAX_ENDPOINT_PAYLOAD_BYTES = 6_000_000;

/** The longest Lambda timeout that still answers inside API Gateway's limit. */
export const MAX_LAMBDA_TIMEOUT_SECONDS = API_GATEWAY_TIMEOUT_SECONDS - 1;
