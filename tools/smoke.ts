/** npm run smoke -- [options]: checks a deployed (or local) API route by route (see --help). */
import { parseArgs } from "node:util";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { z } from "zod";
import { type AppConfig, ConfigError } from "../config";
import { loadLocalConfig } from "../local/cli";
import { OutputsFileError, readStackOutputs } from "../lib/outputs-file";
import { formatResults, runSmoke, type SmokeAuth, type SmokeRoute, smokeCases } from "../lib/smoke";
import { apiRoutes } from "../lib/api-routes";
import { TOKEN_PATH } from "../local/gateway";

const HELP = `Usage: npm run smoke -- [options]

Sends every route's documented requests and a few bad ones (README "The API"), prints a table
(route, case, expected and actual status, latency) and exits 1 when any answer is not the
documented one (status or JSON shape).

Where the API is (one of):
  --outputs <file>   outputs file of \`npm run deploy -- inference --outputs-file <file>\`
                     (or of \`terraform output -json\`); default: outputs.json
  --url <url>        one route by hand, e.g. the gateway \`npm start\` prints
                     (its task: --task, default the configured task)

How requests authenticate (default: what the outputs say the stage requires, else the config):
  --key <key>        API key sent in x-api-key; default: api_key from the outputs file
  --iam              SigV4-sign with the AWS SDK's default credential chain
  --region <r>       SigV4 region; default: from the URL, else the configured region
  --token <token>    a bearer token, sent as it is to every route
  --client-id <id>   authMode cognito: the app client; default: client_id from the outputs file
  --client-secret <s> authMode cognito: its secret; default: client_secret from the outputs file
                     (written there only with --outputs-file-include-sensitive-outputs)
  --token-url <url>  authMode cognito: the token endpoint; default: token_url from the outputs
                     file, or /oauth2/token on the --url's host (npm start serves it there)
                     Smoke gets a token per route scope itself (client-credentials grant).

  --stack <id>       stack in the outputs file, default inference
  --timeout <s>      seconds per request, default 30
  -h, --help         this text`;

class UsageError extends Error {}

const routeOutput = z.object({
  method: z.literal("POST"),
  url: z.string().url(),
  task: z.string(),
  auth: z.enum(["api-key", "iam", "cognito"]),
  scope: z.string().optional(),
  /** Async routes name where their answers are polled. */
  results: z.string().optional(),
});

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      outputs: { type: "string" },
      url: { type: "string" },
      task: { type: "string" },
      key: { type: "string" },
      iam: { type: "boolean", default: false },
      region: { type: "string" },
      token: { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      "token-url": { type: "string" },
      stack: { type: "string", default: "inference" },
      timeout: { type: "string", default: "30" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
  if (values.url !== undefined && values.outputs !== undefined) throw new UsageError("give --outputs or --url, not both");
  return { ...values, timeoutMs: timeoutS * 1000 };
}

type Options = ReturnType<typeof options>;

interface Target {
  routes: SmokeRoute[];
  /** What the stage requires. */
  authMode: AppConfig["api"]["authMode"];
  /** API key found in the outputs file. */
  apiKey?: string;
  /** How to get the key when it is not in the outputs file. */
  apiKeyCommand?: string;
  /** Auth mode `cognito`: token endpoint and app client found in the outputs file (or, for --url, the local default). */
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  clientSecretCommand?: string;
}

function fromUrl(url: string, config: AppConfig, task: string | undefined): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: '${url}'`);
  }
  // The route's scope and task are its service's (matched by path), else the first service's.
  const route = apiRoutes(config).find((r) => parsed.pathname.endsWith(r.path)) ?? apiRoutes(config)[0];
  const scope = config.api.authMode === "cognito" ? route.scope : undefined;
  return {
    routes: [{ label: `POST ${parsed.pathname}`, url, task: task ?? route.task, scope, async: route.async }],
    authMode: config.api.authMode,
    tokenUrl: new URL(TOKEN_PATH, parsed).toString(),
  };
}

const stringOutput = (outputs: Record<string, unknown>, name: string) =>
  typeof outputs[name] === "string" ? (outputs[name] as string) : undefined;

function fromOutputs(file: string, stack: string): Target {
  const outputs = readStackOutputs(file, stack);
  const routes = Object.entries(outputs)
    .filter(([name]) => name.startsWith("route_"))
    .map(([name, value]) => {
      const parsed = routeOutput.safeParse(value);
      if (!parsed.success)
        throw new UsageError(
          `${file}: output ${name} of stack "${stack}" is not a route: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      return { ...parsed.data, label: `${parsed.data.method} ${new URL(parsed.data.url).pathname}` };
    });
  if (routes.length === 0)
    throw new UsageError(`${file}: stack "${stack}" has no route_* outputs (deployed before they existed? deploy again)`);
  return {
    routes: routes.map(({ label, url, task, scope, results }) => ({ label, url, task, scope, async: results !== undefined })),
    authMode: routes[0].auth,
    apiKey: stringOutput(outputs, "api_key"),
    apiKeyCommand: stringOutput(outputs, "api_key_command"),
    tokenUrl: stringOutput(outputs, "token_url"),
    clientId: stringOutput(outputs, "client_id"),
    clientSecret: stringOutput(outputs, "client_secret"),
    clientSecretCommand: stringOutput(outputs, "client_secret_command"),
  };
}

/** `<id>.execute-api.<region>.amazonaws.com` */
function regionOf(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];
}

function chooseAuth(opts: Options, target: Target, config: AppConfig): SmokeAuth {
  if (opts.token !== undefined) return { mode: "token", token: opts.token };
  if (target.authMode === "cognito") return cognitoAuth(opts, target);
  if (opts.iam || (opts.key === undefined && target.authMode === "iam")) {
    const region = opts.region ?? regionOf(target.routes[0].url) ?? config.region;
    return { mode: "iam", region, credentials: defaultProvider() };
  }
  const apiKey = opts.key ?? target.apiKey;
  if (apiKey === undefined) {
    const how = target.apiKeyCommand ? `--key "$(${target.apiKeyCommand})"` : "--key <the key `npm start` printed>";
    throw new UsageError(`the stage requires an API key: pass ${how}`);
  }
  return { mode: "api-key", apiKey };
}

function cognitoAuth(opts: Options, target: Target): SmokeAuth {
  const tokenUrl = opts["token-url"] ?? target.tokenUrl;
  const clientId = opts["client-id"] ?? target.clientId;
  const clientSecret = opts["client-secret"] ?? target.clientSecret;
  if (tokenUrl === undefined) throw new UsageError("the stage requires Cognito access tokens: pass --token-url <token_url output>");
  if (clientId === undefined)
    throw new UsageError("the stage requires Cognito access tokens: pass --client-id <client_id output, or the id npm start printed>");
  if (clientSecret === undefined) {
    const how = target.clientSecretCommand
      ? `--client-secret "$(${target.clientSecretCommand})"`
      : "--client-secret <the secret npm start printed>";
    throw new UsageError(`the stage requires Cognito access tokens: pass ${how}`);
  }
  return { mode: "cognito", tokenUrl, clientId, clientSecret };
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadLocalConfig();
  const target = opts.url !== undefined ? fromUrl(opts.url, config, opts.task) : fromOutputs(opts.outputs ?? "outputs.json", opts.stack);
  const auth = chooseAuth(opts, target, config);
  // A route's limits are its service's (matched by path); a URL outside the configuration gets the first's.
  const limitsOf = (route: SmokeRoute) =>
    (config.services.find((s) => new URL(route.url).pathname.endsWith(`/${s.routePath}`)) ?? config.services[0]).limits;
  const results = await runSmoke(smokeCases(target.routes, auth, limitsOf), auth, opts.timeoutMs);
  console.log(formatResults(results));
  return results.every((r) => r.problem === undefined) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const expected =
      error instanceof UsageError ||
      error instanceof OutputsFileError ||
      error instanceof ConfigError ||
      String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
    console.error(
      `npm run smoke: ${expected ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 2;
  },
);
