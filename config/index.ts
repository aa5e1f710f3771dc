export { loadConfig, ConfigError } from "./load";
export type { AppConfig, EndpointConfig, ConfigInputs, ServiceConfig, ServiceAutoscaling } from "./load";
export { FIELDS, SUPPORTED_TASKS } from "./fields";
export { parseModelSource, describeModelSource } from "./model-source";
export type { ModelSource } from "./model-source";
export { readCdktfContext } from "./context";
