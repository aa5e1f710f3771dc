// The routes the inference API serves, from the configuration: the stack's outputs, the OpenAPI
// document and `npm run smoke` all list them from here. No cdktf imports.
import type { AppConfig } from "../config";
import type { RequestLimits } from "../contract/request-limits";
import { inferenceNames } from "../stacks/inference-wiring";

export interface ApiRoute {
  /** Resource path below the stage, with a leading slash, e.g. `/sentiment`. */
  readonly path: string;
  readonly method: "POST";
  /** An async service's route: POST answers 202 with an id, `GET <path>/results/{id}` the answer. */
  readonly async: boolean;
  /** Hugging Face task: selects the request contract (`contract/task-contracts.ts`). */
  readonly task: string;
  /** The service's request limits, which size the route's schema and examples. */
  readonly limits: Readonly<RequestLimits>;
  /** Name of the stack output that describes this route; stable for a given path. */
  readonly outputName: string;
  /** OAuth scope a `cognito`-mode access token must carry for this route: `<resource server>/<scope name>`. */
  readonly scope: string;
}

export function routeOutputName(routePath: string): string {
  return `route_${routePath.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

/** The Cognito resource server's identifier, the prefix of every route's scope: the API's name. */
export function resourceServerIdentifier(config: Pick<AppConfig, "namePrefix">): string {
  return inferenceNames(config.namePrefix).apiName;
}

/** A route's scope name: its path, `/` written `:` (route paths have no `:`, scope names no `/`). */
export function routeScopeName(routePath: string): string {
  return routePath.replace(/\//g, ":");
}

/** One route per service, in configuration order. */
export function apiRoutes(config: AppConfig): ApiRoute[] {
  return config.services.map((service) => ({
    path: `/${service.routePath}`,
    method: "POST",
    async: service.backend !== "bedrock" && service.async !== undefined,
    task: service.task,
    limits: service.limits,
    outputName: routeOutputName(service.routePath),
    scope: `${resourceServerIdentifier(config)}/${routeScopeName(service.routePath)}`,
  }));
}
