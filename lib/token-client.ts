// The client side of the OAuth 2.0 client-credentials grant against a Cognito token endpoint
// (or local mode's stand-in): what `npm run smoke` and `npm run invoke` use to get access tokens.
import * as z from "zod/mini";

export interface ClientCredentials {
  /** `https://<domain>.auth.<region>.amazoncognito.com/oauth2/token` */
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

const tokenAnswer = z.object({ access_token: z.string(), expires_in: z.number(), token_type: z.literal("Bearer") });

/** An access token for `scope` (client id and secret as HTTP Basic auth); rejects with the endpoint's answer otherwise. */
export async function clientCredentialsToken(client: ClientCredentials, scope: string, timeoutMs: number): Promise<string> {
  const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString("base64");
  const reply = await fetch(client.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` },
    body: new URLSearchParams({ grant_type: "client_credentials", scope }).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await reply.text();
  let parsed: ReturnType<typeof tokenAnswer.safeParse> | undefined;
  try {
    parsed = tokenAnswer.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (reply.status !== 200 || !parsed?.success)
    throw new Error(`the token endpoint ${client.tokenUrl} answered ${reply.status} ${text.slice(0, 200)}`);
  return parsed.data.access_token;
}
