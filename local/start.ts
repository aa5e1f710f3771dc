/** npm start -- [options]: the deployed request path on 127.0.0.1 (see --help). */
import { parseArgs } from "node:util";
import { describeError, UsageError } from "../lib/errors";
import { readyExample, taskContract } from "../contract/task-contracts";
import { generateApiKey, loadLocalConfig, modelDirsFor, parsePort, prefixedLog, shellQuote } from "./cli";
import { type LocalStack, startStack } from "./processes";

const HELP = `Usage: npm start -- [options]

Serves every configured route, POST /<stage>/<route>, on 127.0.0.1 the way the deployed API
does: same routes, API-key check and request schemas (from cdktf.json context, APP_CONFIG and
environment, as for cdktf synth), the same Lambda bundle, and per service a local model server
running its model directory's code/inference.py (or, where the directory has no code/, the
project's code for the service's task) behind a local SageMaker Runtime. No Docker, no AWS account.

Options:
  --model-dir <svc>=<dir> a service's model directory (config.json, tokenizer, weights); repeat
                          per service. With one service a bare --model-dir <dir> works too.
                          default: model/ for the environment's service, model/<name> for a listed one
                          (fill them with npm run model:fetch)
  --port <n>              gateway port, default 3000
  --runtime-port <n>      local SageMaker Runtime port, default 3001
  --model-port <n>        first model server port, default 8080 (the next services' follow it)
                          (0 for any of the ports picks a free one)
  --api-key <key>         API key clients must send in x-api-key; default: generated
  --client-id <id>        authMode cognito: the app client's id; default: generated
  --client-secret <s>     authMode cognito: the app client's secret; default: generated
                          (tokens come from POST /oauth2/token on the gateway's port, as from
                          the user pool's domain: client_credentials grant, Basic auth or
                          client_id/client_secret in the form body)
  --python <path>         Python interpreter with the model's packages, default python3
  --ready-timeout <s>     seconds the model may take to load, default 300
  -h, --help              this text

Ctrl-C (or SIGTERM) stops everything; if one component dies, the others are stopped too.`;

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "model-dir": { type: "string", multiple: true, default: [] },
      port: { type: "string", default: "3000" },
      "runtime-port": { type: "string", default: "3001" },
      "model-port": { type: "string", default: "8080" },
      "api-key": { type: "string" },
      "client-id": { type: "string" },
      "client-secret": { type: "string" },
      python: { type: "string", default: "python3" },
      "ready-timeout": { type: "string", default: "300" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const readySeconds = Number(values["ready-timeout"]);
  if (!(readySeconds > 0)) throw new UsageError(`--ready-timeout must be a positive number of seconds, got '${values["ready-timeout"]}'`);
  return {
    help: values.help,
    modelDirs: values["model-dir"],
    ports: {
      gateway: parsePort("port", values.port),
      runtime: parsePort("runtime-port", values["runtime-port"]),
      model: parsePort("model-port", values["model-port"]),
    },
    apiKey: values["api-key"] ?? generateApiKey(),
    tokenClient: clientOption(values["client-id"], values["client-secret"]),
    python: values.python,
    readyTimeoutMs: readySeconds * 1000,
  };
}

/** Both or neither: a generated id with a given secret (or the reverse) would be a surprise. */
function clientOption(clientId: string | undefined, clientSecret: string | undefined) {
  if ((clientId === undefined) !== (clientSecret === undefined))
    throw new UsageError("give both --client-id and --client-secret, or neither");
  return clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : undefined;
}

/** The auth lines of the banner and the header part of the example curl. */
function authBanner(stack: LocalStack, region: string): { lines: string[]; curlAuth: string; getToken?: string } {
  const { auth } = stack;
  switch (auth.mode) {
    case "api-key":
      return { lines: [`  API key:           ${auth.apiKey}`], curlAuth: `-H ${shellQuote(`x-api-key: ${auth.apiKey}`)}` };
    case "iam":
      return {
        lines: [`  Auth:              iam (requests must be SigV4-signed; signatures are not verified locally)`],
        curlAuth: `--aws-sigv4 'aws:amz:${region}:execute-api' --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`,
      };
    case "cognito": {
      const { clientId, clientSecret } = auth.tokens;
      return {
        lines: [
          `  Token URL:         ${stack.tokenUrl}  (client_credentials, as the user pool's domain)`,
          `  Client id:         ${clientId}`,
          `  Client secret:     ${clientSecret}`,
          ...stack.services.map((s) => `  Scope:             ${s.scope}  (POST ${s.routeUrl})`),
        ],
        curlAuth: `-H "Authorization: Bearer $TOKEN"`,
        getToken: `  TOKEN=$(curl -sS -X POST ${shellQuote(stack.tokenUrl ?? "")} -u ${shellQuote(`${clientId}:${clientSecret}`)} -d grant_type=client_credentials --data-urlencode scope=${shellQuote(stack.services[0].scope ?? "")} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
      };
    }
  }
}

function banner(stack: LocalStack, region: string): string {
  const auth = authBanner(stack, region);
  const [first] = stack.services;
  return [
    `Local API ready (${stack.services.map((s) => `${s.service.task} model ${s.modelDir}`).join("; ")})`,
    ...stack.services.map(
      (s) =>
        `  Gateway:           POST ${s.routeUrl}  (${s.service.task}${s.service.backend !== "bedrock" && s.service.async ? `; async: GET ${s.routeUrl}/results/{id}` : ""})`,
    ),
    ...auth.lines,
    ...stack.services.map((s) =>
      s.bedrockModelId === undefined
        ? `  SageMaker Runtime: ${stack.runtimeUrl} (endpoint ${s.endpointName})`
        : `  Bedrock Runtime:   ${stack.bedrockUrl} (model ${s.bedrockModelId})`,
    ),
    ...stack.services.map((s) => `  Model server:      ${s.modelUrl} (pid ${s.modelServerPid})`),
    ``,
    `Try it:`,
    ...(auth.getToken ? [auth.getToken] : []),
    `  curl -sS -X POST ${shellQuote(first.routeUrl)} -H 'content-type: application/json' ${auth.curlAuth} -d ${shellQuote(readyExample(taskContract(first.service.task), first.service.limits).body)}`,
    ``,
    `Ctrl-C stops everything.`,
  ].join("\n");
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadLocalConfig();
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    // Kept for good: a second signal (tsx relays the terminal's to us too) must not cut the orderly stop short.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => resolve(signal));
  });
  const starting = startStack({ ...opts, modelDirs: modelDirsFor(config.services, opts.modelDirs), config, log: prefixedLog });
  const first = await Promise.race([starting, signalled]);
  if (typeof first === "string") {
    // Stopped while starting: startStack cleans up after itself once it settles.
    await starting.then(
      (started) => started.stop(),
      () => undefined,
    );
    return 0;
  }
  const stack = first;
  console.log(banner(stack, config.region));
  const outcome = await Promise.race([signalled.then((signal) => ({ signal })), stack.crashed.then((crash) => ({ crash }))]);
  if ("crash" in outcome) console.error(`error: ${outcome.crash}; stopping the local API`);
  else console.error(`${outcome.signal}: stopping the local API`);
  await stack.stop();
  return "crash" in outcome ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`npm start: ${describeError(error)}`);
    process.exitCode = 1;
  },
);
