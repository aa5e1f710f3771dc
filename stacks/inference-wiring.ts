// Names and handler settings of the inference stack, shared with local mode so that the local
// request path is configured exactly like the deployed one. No cdktf imports: local mode loads it.
import type { AppConfig } from "../config";

export interface InferenceNames {
  readonly endpointName: string;
  readonly functionName: string;
  readonly apiName: string;
}

export function inferenceNames(namePrefix: string): InferenceNames {
  return { endpointName: `${namePrefix}-endpoint`, functionName: `${namePrefix}-inference`, apiName: `${namePrefix}-api` };
}

/** The handler's own environment (what `lambda/config.ts` reads), for a given endpoint name. */
export function handlerEnvironment(config: AppConfig, endpointName: string): Record<string, string> {
  return {
    ENDPOINT_NAME: endpointName,
    MAX_TEXTS: String(config.api.limits.maxTexts),
    MAX_TEXT_CHARS: String(config.api.limits.maxTextChars),
    MAX_TOTAL_CHARS: String(config.api.limits.maxTotalChars),
    LOG_REQUEST_TEXT: String(config.lambda.logRequestText),
    POWERTOOLS_SERVICE_NAME: config.namePrefix,
  };
}
