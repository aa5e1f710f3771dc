// Names and handler settings of the inference stack, shared with local mode so that the local
// request path is configured exactly like the deployed one. No cdktf imports: local mode loads it.
import type { AppConfig } from "../config";
import { toEnvironment } from "../lambda/environment";

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
  return toEnvironment({
    endpointName,
    limits: config.api.limits,
    logRequestText: config.lambda.logRequestText,
    serviceName: config.namePrefix,
  });
}
