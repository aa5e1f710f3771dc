// `npm run smoke`: sends each route's documented requests and a few bad ones to a deployed (or
// local) API and checks status and response shape. The cases come from the task contracts.
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import * as z from "zod/mini";
import type { RequestLimits } from "../contract/request-limits";
import { errorResponseSchema } from "../contract/text-classification";
import { type ContractExample, readyExample, taskContract } from "../contract/task-contracts";
import { clientCredentialsToken } from "./token-client";

/** Credentials as the signer takes them, e.g. the SDK's default provider chain. */
export type CredentialProvider = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

export interface SmokeRoute {
  /** Shown in the table, e.g. `POST /v1/sentiment`. */
  readonly label: string;
  /** Full URL of the route. */
  readonly url: string;
  readonly task: string;
  /** The OAuth scope the route requires (auth mode `cognito`). */
  readonly scope?: string;
  /** An async route: POST answers 202 with an id, and the answer is polled at `<url>/results/<id>`. */
  readonly async?: boolean;
}

/** How requests authenticate: what the stage requires. */
export type SmokeAuth =
  | { readonly mode: "api-key"; readonly apiKey: string }
  | { readonly mode: "iam"; readonly region: string; readonly credentials: CredentialProvider }
  | { readonly mode: "token"; readonly token: string }
  /** Access tokens from the user pool's token endpoint (client-credentials grant), one per scope. */
  | { readonly mode: "cognito"; readonly tokenUrl: string; readonly clientId: string; readonly clientSecret: string };

export interface SmokeCase {
  readonly route: SmokeRoute;
  readonly example: ContractExample;
  /** `none` or `wrong`: a case the stage must refuse. */
  readonly credentials: "valid" | "none" | "wrong";
  /** Auth mode `cognito`: the scope the case's token is requested for. @default the route's scope */
  readonly tokenScope?: string;
}

export interface SmokeResult {
  readonly route: string;
  readonly name: string;
  readonly expected: number;
  /** 0 when no answer came. */
  readonly status: number;
  readonly latencyMs: number;
  /** Why the case failed; undefined when it passed. */
  readonly problem?: string;
}

/** The documented requests of each route's task, then the auth failures the stage must refuse. */
export function smokeCases(routes: readonly SmokeRoute[], auth: SmokeAuth, limitsOf: (route: SmokeRoute) => RequestLimits): SmokeCase[] {
  return routes.flatMap((route) => {
    const limits = limitsOf(route);
    const contract = taskContract(route.task);
    const documented = contract.examples(limits).map((example): SmokeCase => ({ route, example, credentials: "valid" }));
    const body = readyExample(contract, limits).body;
    const refused = (name: string, status: number, credentials: SmokeCase["credentials"], tokenScope?: string): SmokeCase => ({
      route,
      example: { name, body, status, response: errorResponseSchema },
      credentials,
      tokenScope,
    });
    switch (auth.mode) {
      case "api-key":
        return [...documented, refused("no API key", 403, "none"), refused("a wrong API key", 403, "wrong")];
      case "iam":
        return [...documented, refused("unsigned", 403, "none")];
      case "token":
        return [...documented, refused("no token", 401, "none")];
    }
    // cognito: API Gateway's Cognito authorizer answers 401 to a token without the method's scope too.
    const other = routes.find((r) => r.scope !== undefined && r.scope !== route.scope)?.scope;
    return [
      ...documented,
      refused("no token", 401, "none"),
      refused("a token with a bad signature", 401, "wrong"),
      ...(other === undefined ? [] : [refused("a token for another route's scope", 401, "valid", other)]),
    ];
  });
}

const tokenCache = new WeakMap<SmokeAuth, Map<string, Promise<string>>>();

/** An access token for `scope`, requested once per scope and run. */
function cachedToken(auth: Extract<SmokeAuth, { mode: "cognito" }>, scope: string, timeoutMs: number): Promise<string> {
  const cache = tokenCache.get(auth) ?? new Map<string, Promise<string>>();
  tokenCache.set(auth, cache);
  let token = cache.get(scope);
  if (token === undefined) {
    token = clientCredentialsToken(auth, scope, timeoutMs);
    cache.set(scope, token);
  }
  return token;
}

/** The token with its signature's first character changed: still well formed, no longer valid. */
function tamper(token: string): string {
  const dot = token.lastIndexOf(".");
  const first = token[dot + 1];
  return `${token.slice(0, dot + 1)}${first === "A" ? "B" : "A"}${token.slice(dot + 2)}`;
}

async function authHeaders(
  auth: SmokeAuth,
  smokeCase: SmokeCase,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  method: "POST" | "GET" = "POST",
): Promise<Record<string, string>> {
  const { credentials } = smokeCase;
  if (credentials === "none") return headers;
  if (auth.mode === "cognito") {
    const token = await cachedToken(auth, smokeCase.tokenScope ?? smokeCase.route.scope ?? "", timeoutMs);
    return { ...headers, authorization: `Bearer ${credentials === "valid" ? token : tamper(token)}` };
  }
  if (auth.mode === "api-key") return { ...headers, "x-api-key": credentials === "valid" ? auth.apiKey : `wrong-${auth.apiKey}` };
  if (auth.mode === "token") return { ...headers, authorization: `Bearer ${credentials === "valid" ? auth.token : "wrong"}` };
  return signRequest(auth, url, headers, body, method);
}

/** SigV4-signs a request (a POST unless told) for API Gateway (`execute-api`) with the AWS SDK's signer. */
export async function signRequest(
  auth: Extract<SmokeAuth, { mode: "iam" }>,
  url: URL,
  headers: Record<string, string>,
  body: string,
  method: "POST" | "GET" = "POST",
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: "execute-api",
    region: auth.region,
    credentials: auth.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const query = Object.fromEntries(url.searchParams);
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body,
  });
  // fetch sets Host itself, to the same value that was signed.
  const { host: _host, ...rest } = signed.headers;
  return rest;
}

function problemWith(example: ContractExample, status: number, text: string): string | undefined {
  if (status !== example.status) return `expected status ${example.status}, got ${status}: ${text.slice(0, 200)}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `answer is not JSON: ${text.slice(0, 200)}`;
  }
  const parsed = example.response.safeParse(json);
  return parsed.success ? undefined : `unexpected answer ${text.slice(0, 200)}: ${z.prettifyError(parsed.error).replace(/\n/g, " ")}`;
}

export async function runCase(smokeCase: SmokeCase, auth: SmokeAuth, timeoutMs: number): Promise<SmokeResult> {
  const { route, example } = smokeCase;
  const url = new URL(route.url);
  const base = { route: route.label, name: example.name, expected: example.status };
  const started = performance.now();
  try {
    const headers = await authHeaders(auth, smokeCase, url, { "content-type": "application/json" }, example.body, timeoutMs);
    const reply = await fetch(url, { method: "POST", headers, body: example.body, signal: AbortSignal.timeout(timeoutMs) });
    let status = reply.status;
    let text = await reply.text();
    if (route.async && status === 202 && example.status !== 202) ({ status, text } = await polled(smokeCase, auth, text, timeoutMs));
    const latencyMs = Math.round(performance.now() - started);
    return { ...base, status, latencyMs, problem: problemWith(example, status, text) };
  } catch (error) {
    const cause =
      error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    return { ...base, status: 0, latencyMs: Math.round(performance.now() - started), problem: `no answer: ${cause}` };
  }
}

/** Polls at most this many request timeouts: an async endpoint woken from zero instances takes minutes. */
export const ASYNC_POLL_TIMEOUTS = 20;

/** GETs an async route's result until it is no longer 202, waiting 0.2 s, then longer, up to the answer's Retry-After. */
async function polled(
  smokeCase: SmokeCase,
  auth: SmokeAuth,
  accepted: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const id = (JSON.parse(accepted) as { id?: unknown }).id;
  if (typeof id !== "string") return { status: 0, text: `202 without an id: ${accepted.slice(0, 200)}` };
  const url = new URL(`${smokeCase.route.url}/results/${encodeURIComponent(id)}`);
  const deadline = performance.now() + ASYNC_POLL_TIMEOUTS * timeoutMs;
  let waitMs = 200;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const headers = await authHeaders(auth, smokeCase, url, {}, "", timeoutMs, "GET");
    const reply = await fetch(url, { method: "GET", headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await reply.text();
    if (reply.status !== 202 || performance.now() > deadline) return { status: reply.status, text };
    waitMs = Math.min(2 * waitMs, 1000 * Number(reply.headers.get("retry-after") ?? 5));
  }
}

/** Runs the cases one after another (the stage is throttled), in order. */
export async function runSmoke(cases: readonly SmokeCase[], auth: SmokeAuth, timeoutMs: number): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const smokeCase of cases) results.push(await runCase(smokeCase, auth, timeoutMs));
  return results;
}

export function formatResults(results: readonly SmokeResult[]): string {
  const rows = [
    ["route", "case", "expected", "status", "latency", "result"],
    ...results.map((r) => [
      r.route,
      r.name,
      String(r.expected),
      r.status === 0 ? "-" : String(r.status),
      `${r.latencyMs} ms`,
      r.problem === undefined ? "ok" : "FAIL",
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd(),
  );
  const failures = results.filter((r) => r.problem !== undefined);
  const details = failures.map((r) => `FAIL ${r.route} "${r.name}": ${r.problem}`);
  const summary = `${results.length} cases, ${results.length - failures.length} passed, ${failures.length} failed`;
  return [...table, "", ...details, ...(details.length > 0 ? [""] : []), summary].join("\n");
}
