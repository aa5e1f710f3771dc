import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The `cdktf.json` context as the app sees it: the CLI passes it in CDKTF_CONTEXT_JSON; a direct
 * run (`node --import tsx main.ts`, local mode) reads the file itself.
 */
export function readCdktfContext(env: Readonly<Record<string, string | undefined>>, projectDir: string): Record<string, unknown> {
  if (env.CDKTF_CONTEXT_JSON) return JSON.parse(env.CDKTF_CONTEXT_JSON) as Record<string, unknown>;
  const file = path.join(projectDir, "cdktf.json");
  if (!fs.existsSync(file)) return {};
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { context?: Record<string, unknown> }).context ?? {};
}
