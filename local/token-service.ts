// Local stand-in of a Cognito user pool's client-credentials flow: the `/oauth2/token` endpoint's
// wire format (form body, client authentication by Basic header or body fields, JSON answer or
// `{"error": ...}`), access tokens shaped like Cognito's (RS256 JWT signed with a key made per
// start), and the checks API Gateway's COGNITO_USER_POOLS authorizer makes with method scopes.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign, timingSafeEqual, verify } from "node:crypto";
import type http from "node:http";

export interface TokenServiceOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Full scope names (`<resource server>/<name>`) the client may request. */
  readonly scopes: readonly string[];
  /** Lifetime of an access token. */
  readonly validitySeconds: number;
  /** The `iss` claim, e.g. `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  /** Current time in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** What the token endpoint answers: status and JSON body. */
export interface TokenReply {
  readonly status: number;
  readonly body: Readonly<Record<string, string | number>>;
}

/** The authorizer's verdict on a request's `Authorization` header for a method's scope. */
export type TokenCheck =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly message: string };

export interface TokenService {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Answers `POST /oauth2/token` as Cognito does. */
  tokenRequest(headers: http.IncomingHttpHeaders, body: Buffer): TokenReply;
  /** Checks an `Authorization` header (`Bearer <token>` or the bare token) against a method's scope. */
  check(authorization: string | undefined, requiredScope: string): TokenCheck;
}

/** API Gateway's messages: 401 for a missing, invalid or unscoped token; its own text for an expired one. */
export const UNAUTHORIZED = "Unauthorized";
export const EXPIRED = "The incoming token has expired";

const FORM = "application/x-www-form-urlencoded";
const oauthError = (error: string): TokenReply => ({ status: 400, body: { error } });
const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A client id and secret of Cognito's lengths (26 and 51 characters), marked local. */
export function generateClientCredentials(): { clientId: string; clientSecret: string } {
  const text = (n: number) => randomBytes(n).toString("hex").slice(0, n);
  return { clientId: `local${text(21)}`, clientSecret: `local${text(46)}` };
}

/** Constant-time comparison of two strings of any length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Client id and secret from `Authorization: Basic` (preferred, as Cognito documents) or the form body. */
function clientCredentials(headers: http.IncomingHttpHeaders, form: URLSearchParams): { id?: string; secret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return {};
    // RFC 6749 2.3.1: each part is form-urlencoded before it is put in the header.
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    try {
      return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    } catch {
      return {};
    }
  }
  return { id: form.get("client_id") ?? undefined, secret: form.get("client_secret") ?? undefined };
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function createTokenService(options: TokenServiceOptions): TokenService {
  const now = options.now ?? Date.now;
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomUUID();

  function issue(scopes: readonly string[]): string {
    const iat = Math.floor(now() / 1000);
    const header = base64url(JSON.stringify({ kid, alg: "RS256" }));
    // The claims of a Cognito client-credentials access token.
    const claims = {
      sub: options.clientId,
      token_use: "access",
      scope: scopes.join(" "),
      auth_time: iat,
      iss: options.issuer,
      exp: iat + options.validitySeconds,
      iat,
      version: 2,
      jti: randomUUID(),
      client_id: options.clientId,
    };
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(sign("sha256", Buffer.from(signingInput), privateKey))}`;
  }

  function tokenRequest(headers: http.IncomingHttpHeaders, body: Buffer): TokenReply {
    if (!(headers["content-type"] ?? "").toLowerCase().startsWith(FORM)) return oauthError("invalid_request");
    const form = new URLSearchParams(body.toString("utf8"));
    const grant = form.get("grant_type");
    if (grant === null) return oauthError("invalid_request");
    if (grant !== "client_credentials") return oauthError("unsupported_grant_type");
    const client = clientCredentials(headers, form);
    if (client.id === undefined || client.secret === undefined) return oauthError("invalid_client");
    if (!sameSecret(client.id, options.clientId) || !sameSecret(client.secret, options.clientSecret)) return oauthError("invalid_client");
    const requested = form.get("scope");
    // No scope parameter: every scope the client is allowed, as Cognito grants.
    const scopes = requested === null ? options.scopes : requested.split(" ").filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !options.scopes.includes(s))) return oauthError("invalid_scope");
    return { status: 200, body: { access_token: issue(scopes), expires_in: options.validitySeconds, token_type: "Bearer" } };
  }

  function check(authorization: string | undefined, requiredScope: string): TokenCheck {
    const refused = { ok: false, message: UNAUTHORIZED } as const;
    const token = authorization?.replace(/^Bearer\s+/i, "").trim();
    const parts = token?.split(".") ?? [];
    if (parts.length !== 3) return refused;
    const [header, claims] = [decodePart(parts[0]), decodePart(parts[1])];
    if (header?.alg !== "RS256" || header.kid !== kid || claims === undefined) return refused;
    if (!verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), publicKey, Buffer.from(parts[2], "base64url"))) return refused;
    if (typeof claims.exp !== "number" || claims.exp * 1000 <= now()) return { ok: false, message: EXPIRED };
    if (claims.iss !== options.issuer || claims.token_use !== "access") return refused;
    // With method scopes, the token must carry one of them; API Gateway answers 401 otherwise.
    const scopes = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
    if (!scopes.includes(requiredScope)) return refused;
    return { ok: true, claims };
  }

  return { clientId: options.clientId, clientSecret: options.clientSecret, tokenRequest, check };
}
