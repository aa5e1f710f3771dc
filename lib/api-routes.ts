// The routes the inference API serves, from the configuration: the stack's outputs, the OpenAPI
// document and `npm run smoke` all list them from here. No cdktf imports.
import type { AppConfig } from "../config";
import type { RequestLimits } from "../contract/request-limits";

export interface ApiRoute {
  /** Resource path below the stage, with a leading slash, e.g. `/sentiment`. */
  readonly path: string;
  readonly method: "POST";
  /** Hugging Face task: selects the request contract (`contract/task-contracts.ts`). */
  readonly task: string;
  /** The service's request limits, which size the route's schema and examples. */
  readonly limits: Readonly<RequestLimits>;
  /** Name of the stack output that describes this route; stable for a given path. */
  readonly outputName: string;
}

export function routeOutputName(routePath: string): string {
  return `route_${routePath.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

/** One route per service, in configuration order. */
export function apiRoutes(config: AppConfig): ApiRoute[] {
  return config.services.map((service) => ({
    path: `/${service.routePath}`,
    method: "POST",
    task: service.task,
    limits: service.limits,
    outputName: routeOutputName(service.routePath),
  }));
}
