export { loadConfig, ConfigError } from "./load";
export type { AppConfig, EndpointConfig, ConfigInputs, ServiceConfig, SageMakerServiceConfig, ServiceAutoscaling } from "./load";
export type { BedrockServiceConfig } from "./bedrock";
export { FIELDS, SUPPORTED_TASKS } from "./fields";
export { parseModelSource, describeModelSource } from "./model-source";
export type { ModelSource } from "./model-source";
export { readCdktfContext } from "./context";
