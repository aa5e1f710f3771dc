// Where an async service keeps its requests and results, shared with local mode (no cdktf imports).
import type { ServiceConfig } from "../config";
import { ASYNC_DEFAULTS } from "../constructs/async-defaults";

/** `async/<service name>` (the environment's unnamed service: `async/<namePrefix>`), below which inputs/, results/ and errors/ live. */
export function asyncPrefix(namePrefix: string, service: Pick<ServiceConfig, "name">): string {
  return `${ASYNC_DEFAULTS.keyPrefix}/${service.name ?? namePrefix}`;
}
