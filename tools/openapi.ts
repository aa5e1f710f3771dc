/** npm run openapi -- [--out file] [--outputs outputs.json]: the API's OpenAPI 3 document. */
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../config";
import { loadLocalConfig } from "../local/cli";
import { OutputsFileError, readStackOutputs } from "../lib/outputs-file";
import { OPENAPI_FILE, writeOpenApi } from "../lib/openapi";

const HELP = `Usage: npm run openapi -- [options]

Writes the OpenAPI 3 document of the inference API for the current configuration (cdktf.json
context and environment, as for synth): routes, request and response schemas, the auth mode's
security scheme and the error answers. \`npm run synth\` writes the same file beside the stacks.

Options:
  --out <file>       default: cdktf.out/${OPENAPI_FILE}
  --outputs <file>   outputs file of a deploy (--outputs-file): the document's server is then
                     the deployed stage (stage_url) instead of a URL template, and in
                     authMode cognito the token URL (token_url) instead of a placeholder
  --stack <id>       stack in the outputs file, default inference
  -h, --help         this text`;

class UsageError extends Error {}

function deployedUrls(file: string, stack: string): { serverUrl: string; tokenUrl?: string } {
  const outputs = readStackOutputs(file, stack);
  const url = outputs.stage_url;
  if (typeof url !== "string") throw new UsageError(`${file} has no stage_url output of stack "${stack}"`);
  return { serverUrl: url, tokenUrl: typeof outputs.token_url === "string" ? outputs.token_url : undefined };
}

function main(): void {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      out: { type: "string", default: path.join("cdktf.out", OPENAPI_FILE) },
      outputs: { type: "string" },
      stack: { type: "string", default: "inference" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const config = loadLocalConfig();
  const deployed = values.outputs === undefined ? undefined : deployedUrls(values.outputs, values.stack);
  const serverUrl = deployed?.serverUrl;
  writeOpenApi(values.out, config, { serverUrl, tokenUrl: deployed?.tokenUrl });
  console.log(`wrote ${values.out}${serverUrl ? ` (server ${serverUrl})` : ""}`);
}

try {
  main();
} catch (error) {
  const expected =
    error instanceof UsageError ||
    error instanceof OutputsFileError ||
    error instanceof ConfigError ||
    String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
  console.error(
    `npm run openapi: ${expected ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exitCode = 2;
}
