// What `npm start` and `npm run invoke` share: configuration, options, output.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { type AppConfig, loadConfig, readCdktfContext } from "../config";
import { UsageError } from "../lib/errors";
import type { StackOptions } from "./processes";

const REPO_ROOT = path.resolve(__dirname, "..");

export const EXAMPLE_TEXT = "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn.";

/** The configuration `cdktf synth` sees: cdktf.json context overridden by environment variables. */
export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return loadConfig({ env, context: readCdktfContext(env, REPO_ROOT) });
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
