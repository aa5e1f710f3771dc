import type { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyResult } from "aws-lambda";
import { mapError } from "./errors";
import { jsonResponse } from "./request";

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** A failed request's answer from the one error table, logged at the level its kind deserves. */
export function failureResponse(error: unknown, requestId: string, logger: Pick<Logger, "info" | "warn" | "error">): APIGatewayProxyResult {
  const mapped = mapError(error);
  if (mapped.kind === "client") {
    logger.info("request rejected", { reason: mapped.message });
  } else if (mapped.kind === "upstream") {
    logger.warn("model endpoint error", { error: asError(error) });
  } else {
    logger.error("unexpected error", { error: asError(error) });
  }
  return jsonResponse(mapped.statusCode, { message: mapped.message, requestId }, mapped.headers);
}
