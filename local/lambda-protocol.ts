// Messages between the gateway process (lambda-host.ts) and the Lambda worker (lambda-worker.ts).
import type { APIGatewayProxyEvent } from "aws-lambda";

export interface LambdaErrorInfo {
  errorType: string;
  errorMessage: string;
  stack?: string;
}

export type HostMessage = { type: "invoke"; id: string; event: APIGatewayProxyEvent; deadlineMs: number };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "init-error"; error: LambdaErrorInfo }
  | { type: "result"; id: string; result: unknown }
  | { type: "error"; id: string; error: LambdaErrorInfo };

/** Function identity the worker reports in the Lambda context. */
export interface FunctionIdentity {
  functionName: string;
  memoryMb: number;
  region: string;
  accountId: string;
}

export function errorInfo(error: unknown): LambdaErrorInfo {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, stack: error.stack };
  return { errorType: "Error", errorMessage: String(error) };
}
