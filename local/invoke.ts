/** npm run invoke -- '<json body>' [options]: one request through the local request path (see --help). */
import os from "node:os";
import { parseArgs } from "node:util";
import { describeError, UsageError } from "../lib/errors";
import { readyExample, taskContract } from "../contract/task-contracts";
import { generateApiKey, loadLocalConfig, modelDirsFor, prefixedLog } from "./cli";
import { type HttpReply, request } from "./http";
import { clientCredentialsToken } from "../lib/token-client";
import { type LocalStack, startStack } from "./processes";

const HELP = `Usage: npm run invoke -- ['<json body>'] [options]

Sends one POST through the local request path (gateway -> Lambda bundle -> local SageMaker
Runtime -> model server) and prints the answer as the client gets it: status line and body.
Without --url it starts the local API for that one route on free ports, sends the request and
stops it again. Exit code 0 for a 2xx answer, 1 otherwise.

  body                    default: the route's task's example request (text-classification:
                          {"text": "..."}, question-answering: {"question", "context"}, ...)
  --route <route>         the route to call, default the first configured one
  --model-dir <dir>       the route's model directory (<service>=<dir> works too),
                          default model/ (the environment's service) or model/<name>
  --python <path>         Python interpreter, default python3
  --url <url>             send to a running npm start instead (its POST URL)
  --api-key <key>         x-api-key to send (with --url: the key npm start printed)
  -h, --help              this text`;

const REQUEST_TIMEOUT_MS = 60_000;
// Signatures are not verified locally; in iam mode the gateway only needs a SigV4-shaped header.
const PLACEHOLDER_SIGV4 = "AWS4-HMAC-SHA256 Credential=local/local/local/execute-api/aws4_request, SignedHeaders=host, Signature=local";

function options(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "model-dir": { type: "string", multiple: true, default: [] },
      route: { type: "string" },
      python: { type: "string", default: "python3" },
      url: { type: "string" },
      "api-key": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (positionals.length > 1) throw new UsageError(`expected one JSON body argument, got ${positionals.length} (quote the JSON)`);
  return { ...values, body: positionals[0] };
}

function send(url: string, body: string, headers: Record<string, string>): Promise<HttpReply> {
  return request(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, timeoutMs: REQUEST_TIMEOUT_MS });
}

function show(reply: HttpReply): string {
  const text = reply.body.toString("utf8");
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as received
  }
  return `HTTP ${reply.status}\n${body}`;
}

/** What the local gateway wants: the key, a SigV4-shaped header, or an access token from its token endpoint. */
async function authHeaders(stack: LocalStack, apiKey: string): Promise<Record<string, string>> {
  switch (stack.auth.mode) {
    case "api-key":
      return { "x-api-key": apiKey };
    case "iam":
      return { authorization: PLACEHOLDER_SIGV4 };
    case "cognito": {
      const { clientId, clientSecret } = stack.auth.tokens;
      const token = await clientCredentialsToken(
        { tokenUrl: stack.tokenUrl ?? "", clientId, clientSecret },
        stack.services[0].scope ?? "",
        10_000,
      );
      return { authorization: `Bearer ${token}` };
    }
  }
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadLocalConfig();
  const service = opts.route === undefined ? config.services[0] : config.services.find((s) => s.routePath === opts.route);
  if (service === undefined)
    throw new UsageError(`--route ${opts.route}: not a configured route; routes: ${config.services.map((s) => s.routePath).join(", ")}`);
  const body = opts.body ?? readyExample(taskContract(service.task), service.limits).body;
  let reply: HttpReply;
  if (opts.url) {
    reply = await send(opts.url, body, opts["api-key"] ? { "x-api-key": opts["api-key"] } : {});
  } else {
    // SIGTERM/SIGINT stop the stack it started (npm forwards them here), then end with 128 + n.
    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => resolve(signal));
    });
    const apiKey = opts["api-key"] ?? generateApiKey();
    // Only the route called: one model server to load, one model directory to name.
    const starting = startStack({
      config: { ...config, services: [service] },
      modelDirs: modelDirsFor([service], opts["model-dir"]),
      ports: { gateway: 0, runtime: 0, model: 0 },
      apiKey,
      python: opts.python,
      log: prefixedLog,
    });
    const first = await Promise.race([starting, signalled]);
    if (typeof first === "string") {
      await starting.then(
        (started) => started.stop(),
        () => undefined,
      );
      return 128 + os.constants.signals[first];
    }
    const stack: LocalStack = first;
    try {
      const sent = authHeaders(stack, apiKey).then((headers) => send(stack.routeUrl, body, headers));
      const outcome = await Promise.race([sent, signalled]);
      if (typeof outcome === "string") return 128 + os.constants.signals[outcome];
      reply = outcome;
    } finally {
      await stack.stop();
    }
  }
  console.log(show(reply));
  return reply.status >= 200 && reply.status < 300 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`npm run invoke: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
