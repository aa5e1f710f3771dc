import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { z } from "zod";
import type * as zm from "zod/mini";
import { chargedChars, type RequestLimits } from "../contract/request-limits";
import type { ChargedTexts } from "../contract/tasks";
import { ClientError } from "./errors";

export type RequestSchema = zm.ZodMiniType;

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1];
}

function isJsonContentType(value: string | undefined): boolean {
  const mediaType = value?.split(";")[0].trim().toLowerCase();
  return mediaType === "application/json";
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "body";
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i > 0 ? "." : ""}${String(key)}`)).join("");
}

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`).join("; ");
}

/**
 * Validates the API Gateway event at the edge; throws `ClientError` naming the field (400/415)
 * or the limit (413).
 */
export function parseRequest<S extends RequestSchema>(
  event: APIGatewayProxyEvent,
  schema: S,
  limits: Pick<RequestLimits, "maxTotalChars">,
  charged: (request: zm.infer<S>) => ChargedTexts,
): zm.infer<S> {
  if (event.body === null || event.body === "") {
    throw new ClientError(400, "body: is required (a JSON object)");
  }
  if (!isJsonContentType(header(event, "content-type"))) {
    throw new ClientError(415, "Content-Type must be application/json");
  }
  // API Gateway base64-encodes bodies whose type is listed in the API's binary media types.
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ClientError(400, "body: must be valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ClientError(400, describe(parsed.error.issues));
  }
  const { field, texts, readsAtMost } = charged(parsed.data);
  const total = chargedChars(texts, readsAtMost);
  if (total > limits.maxTotalChars) {
    const counted =
      readsAtMost === undefined ? "characters in all" : `characters in all (each text counted up to ${readsAtMost}, what the model reads)`;
    throw new ClientError(
      413,
      `${field}: ${total} ${counted}, over the limit of ${limits.maxTotalChars} per request (maxTotalChars); send fewer or shorter texts`,
    );
  }
  return parsed.data;
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}
