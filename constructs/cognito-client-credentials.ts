import { Fn } from "cdktf";
import { Construct } from "constructs";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoResourceServer } from "@cdktf/provider-aws/lib/cognito-resource-server";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { TOKEN_AUTH_DEFAULTS } from "./token-auth-defaults";

/** One OAuth scope of the resource server. */
export interface TokenScope {
  /** Scope name within the resource server, e.g. `sentiment`; the full scope is `<identifier>/<name>`. @default - none, required */
  readonly name: string;
  /** @default - none, required */
  readonly description: string;
}

export interface CognitoClientCredentialsProps {
  /** Base of the user pool, app client and hosted domain names (1-24 lowercase letters, digits, hyphens). @default - none, required */
  readonly name: string;
  /** Region of the pool, for the token URL. @default - none, required */
  readonly region: string;
  /** Account id (a token at synth is fine): it makes the hosted domain, which is unique per region across all accounts, this instance's own. @default - none, required */
  readonly accountId: string;
  /** Identifier of the resource server; the prefix of every scope. @default - none, required */
  readonly resourceServerIdentifier: string;
  /** At least one; each name once. The app client may request all of them. @default - none, required */
  readonly scopes: readonly TokenScope[];
  /** Lifetime of an access token, 5-1440 minutes. @default 60 (TOKEN_AUTH_DEFAULTS.accessTokenMinutes) */
  readonly accessTokenMinutes?: number;
  /**
   * Cognito's deletion protection on the pool. Off by default: the pool holds no users (only an
   * app client whose secret a new deploy issues again), and `cdktf destroy` must work.
   * @default false
   */
  readonly deletionProtection?: boolean;
}

/** Words Cognito refuses in a hosted domain prefix. */
const RESERVED_IN_DOMAIN = /aws|amazon|cognito/g;

/**
 * A user pool for machine-to-machine clients only: a resource server with the given scopes, one
 * app client with a secret for the OAuth 2.0 client-credentials flow, and the hosted domain whose
 * `/oauth2/token` endpoint issues the access tokens. Nobody can sign up (admins only, and the
 * client allows no user sign-in flow); threat protection (advanced security) is off, it is billed
 * per user and there are none.
 */
export class CognitoClientCredentials extends Construct {
  readonly userPool: CognitoUserPool;
  readonly resourceServer: CognitoResourceServer;
  readonly client: CognitoUserPoolClient;
  readonly domain: CognitoUserPoolDomain;
  /** `https://<domain>.auth.<region>.amazoncognito.com/oauth2/token` */
  readonly tokenUrl: string;
  /** Full scope names (`<identifier>/<name>`) by scope name, as known at synth. */
  readonly scopeIdentifiers: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CognitoClientCredentialsProps) {
    super(scope, id);
    const minutes = props.accessTokenMinutes ?? TOKEN_AUTH_DEFAULTS.accessTokenMinutes;
    if (
      !Number.isInteger(minutes) ||
      minutes < TOKEN_AUTH_DEFAULTS.minAccessTokenMinutes ||
      minutes > TOKEN_AUTH_DEFAULTS.maxAccessTokenMinutes
    ) {
      throw new Error(`${this.node.path}: accessTokenMinutes must be a whole number from 5 to 1440; got ${minutes}`);
    }
    if (!/^[a-z0-9-]{1,24}$/.test(props.name))
      throw new Error(`${this.node.path}: name must be 1-24 lowercase letters, digits or hyphens; got '${props.name}'`);
    const names = props.scopes.map((s) => s.name);
    if (names.length === 0) throw new Error(`${this.node.path}: give at least one scope`);
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated !== undefined) throw new Error(`${this.node.path}: scope '${repeated}' is given twice`);
    const badName = names.find((n) => !/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$/.test(n));
    if (badName !== undefined)
      throw new Error(`${this.node.path}: scope name '${badName}' may not contain spaces, quotes, slashes or backslashes`);

    this.userPool = new CognitoUserPool(this, "user-pool", {
      name: props.name,
      deletionProtection: props.deletionProtection ? "ACTIVE" : "INACTIVE",
      adminCreateUserConfig: { allowAdminCreateUserOnly: true },
      userPoolAddOns: { advancedSecurityMode: "OFF" },
    });
    this.resourceServer = new CognitoResourceServer(this, "resource-server", {
      userPoolId: this.userPool.id,
      identifier: props.resourceServerIdentifier,
      name: props.resourceServerIdentifier,
      scope: props.scopes.map((s) => ({ scopeName: s.name, scopeDescription: s.description })),
    });
    this.scopeIdentifiers = Object.fromEntries(names.map((n) => [n, `${props.resourceServerIdentifier}/${n}`]));
    this.client = new CognitoUserPoolClient(this, "client", {
      name: `${props.name}-client`,
      userPoolId: this.userPool.id,
      generateSecret: true,
      allowedOauthFlowsUserPoolClient: true,
      allowedOauthFlows: ["client_credentials"],
      allowedOauthScopes: Object.values(this.scopeIdentifiers),
      supportedIdentityProviders: ["COGNITO"],
      // Refresh tokens are never issued to this flow; listing only this one turns off every
      // user sign-in flow (SRP, password, custom) that Cognito would allow by default.
      explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      accessTokenValidity: minutes,
      tokenValidityUnits: [{ accessToken: "minutes" }],
      // The scopes must exist before a client may be allowed them.
      dependsOn: [this.resourceServer],
    });
    // Hosted domains are unique per region across all accounts: the name's readable part plus a
    // hash of account, region and name, known at plan (the account id is a data source).
    const hash = Fn.substr(Fn.sha1(`${props.accountId}:${props.region}:${props.name}`), 0, 12);
    this.domain = new CognitoUserPoolDomain(this, "domain", {
      userPoolId: this.userPool.id,
      domain: `${readableDomainPart(props.name)}-${hash}`,
    });
    this.tokenUrl = `https://${this.domain.domain}.auth.${props.region}.amazoncognito.com/oauth2/token`;
  }
}

/** The name without the words Cognito refuses in a domain, at most 50 characters, no hyphen at either end. */
export function readableDomainPart(name: string): string {
  const readable = name
    .replace(RESERVED_IN_DOMAIN, "")
    .replace(/-{2,}/g, "-")
    .slice(0, 50)
    .replace(/^-+|-+$/g, "");
  return readable === "" ? "api" : readable;
}
