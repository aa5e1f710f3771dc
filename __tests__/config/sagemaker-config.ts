// loadConfig for the tests of SageMaker settings: the same result, its services typed as
// SageMaker services (a Bedrock service among them fails the test that loaded it).
import { type AppConfig, type ConfigInputs, loadConfig as load, type SageMakerServiceConfig } from "../../config";

export type SageMakerAppConfig = Omit<AppConfig, "services"> & { readonly services: readonly SageMakerServiceConfig[] };

export function loadConfig(inputs?: ConfigInputs): SageMakerAppConfig {
  const config = load(inputs);
  const services = config.services.map((service) => {
    if (service.backend === "bedrock") throw new Error(`service ${service.routePath} is a Bedrock service`);
    return service;
  });
  return { ...config, services };
}
