// What `npm start` and `npm run invoke` share: configuration, options, output.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { type AppConfig, loadConfig, readCdktfContext, type ServiceConfig } from "../config";
import { UsageError } from "../lib/errors";
import type { StackOptions } from "./processes";

const REPO_ROOT = path.resolve(__dirname, "..");

/** The configuration `cdktf synth` sees: cdktf.json context overridden by environment variables. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadConfig({ env, context: readCdktfContext(env, REPO_ROOT) });
}

/** How `--model-dir` names a service: its name, else its route (the environment's single service has no name). */
function serviceKey(service: ServiceConfig): string {
  return service.name ?? service.routePath;
}

/**
 * The model directory of each service from `--model-dir` values: `name=dir` per service, or a bare
 * `dir` when there is one service. A service given none serves `model/` (the environment's service) or `model/<name>`.
 */
export function modelDirsFor(services: readonly ServiceConfig[], values: readonly string[]): string[] {
  const keys = services.map(serviceKey);
  const given = new Map<string, string>();
  for (const value of values) {
    const match = /^([^=/]+)=(.+)$/.exec(value);
    if (match !== null && keys.includes(match[1])) given.set(match[1], match[2]);
    else if (services.length === 1) given.set(keys[0], value);
    else throw new UsageError(`--model-dir ${value}: with ${services.length} services give <service>=<dir> for ${keys.join(", ")}`);
  }
  return services.map((service, i) => given.get(keys[i]) ?? (service.name === undefined ? "model" : path.join("model", service.name)));
}

export function generateApiKey(): string {
  // API Gateway keys are 20 or more characters.
  return `local-${randomBytes(18).toString("base64url")}`;
}

export function parsePort(name: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--${name} must be a port number 0-65535 (0 = any free port), got '${value}'`);
  return port;
}

export const prefixedLog: StackOptions["log"] = (component, line) => process.stderr.write(`[${component}] ${line}\n`);

/** Single-quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
