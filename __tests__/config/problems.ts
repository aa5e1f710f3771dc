// The message of a configuration that must be refused: the ConfigError's list of problems.
import { ConfigError, loadConfig } from "../../config";

function problemsOf(env: Record<string, string>, context: Record<string, unknown>): string {
  try {
    loadConfig({ env, context });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the configuration to be rejected");
}

/** The problems of a `cdktf.json` context (and environment) that must be refused. */
export const contextProblems = (context: Record<string, unknown>, env: Record<string, string> = {}): string => problemsOf(env, context);

/** The problems of an environment (and context) that must be refused. */
export const envProblems = (env: Record<string, string>, context: Record<string, unknown> = {}): string => problemsOf(env, context);
