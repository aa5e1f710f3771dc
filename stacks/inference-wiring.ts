// Names and handler settings of the inference stack, shared with local mode so that the local
// request path is configured exactly like the deployed one. No cdktf imports: local mode loads it.
import * as path from "node:path";
import type { AppConfig, ServiceConfig } from "../config";
import type { ModelSource } from "../config/model-source";
import { toEnvironment } from "../lambda/environment";
import type { Task } from "../lib/tasks";

export interface InferenceNames {
  readonly endpointName: string;
  readonly functionName: string;
  readonly apiName: string;
}

/** The base of a service's resource names: the prefix, plus the service's name when it has one. */
export function serviceBaseName(namePrefix: string, service: Pick<ServiceConfig, "name">): string {
  return service.name === undefined ? namePrefix : `${namePrefix}-${service.name}`;
}

export function inferenceNames(namePrefix: string, service: Pick<ServiceConfig, "name"> = {}): InferenceNames {
  const base = serviceBaseName(namePrefix, service);
  return { endpointName: `${base}-endpoint`, functionName: `${base}-inference`, apiName: `${namePrefix}-api` };
}

/**
 * The container's `HF_TASK`: a pipeline task name. Sentence pairs are the text-classification
 * pipeline's pair input; the project's inference.py reads the task from its own code either way.
 */
export function containerTask(task: Task): string {
  return task === "sentence-pair-classification" ? "text-classification" : task;
}

/** The model's id as responses name it: the Hub id, else the directory's or archive's name. */
export function modelIdOf(source: ModelSource): string {
  switch (source.kind) {
    case "hub":
      return source.modelId;
    case "s3":
      return `s3://${source.bucket}/${source.key}`;
    case "archive":
      return path.basename(source.path, ".tar.gz");
    case "directory":
      return path.basename(path.resolve(source.path));
  }
}

/** The handler's own environment (what `lambda/environment.ts` reads), for a given endpoint name (none for a Bedrock service). */
export function handlerEnvironment(config: AppConfig, service: ServiceConfig, endpointName?: string): Record<string, string> {
  const bedrock = service.backend === "bedrock";
  return toEnvironment({
    endpointName,
    ...(bedrock && { bedrockModelId: service.bedrock.modelId }),
    task: service.task,
    modelId: bedrock ? service.bedrock.modelId : modelIdOf(service.model.source),
    limits: service.limits,
    logRequestText: service.lambda.logRequestText,
    serviceName: serviceBaseName(config.namePrefix, service),
  });
}
