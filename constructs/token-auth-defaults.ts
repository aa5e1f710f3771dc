// The Cognito client-credentials construct's defaults, in a module without cdktf so that
// configuration and local mode (which issues tokens of the same lifetime) read them too.

export const TOKEN_AUTH_DEFAULTS = {
  /** An hour: a leaked token is useful for little time, and a client fetches a new one cheaply. */
  accessTokenMinutes: 60,
  /** Cognito's own bounds for an access token's validity. */
  minAccessTokenMinutes: 5,
  maxAccessTokenMinutes: 1440,
} as const;
