// Runs in its own process (see lambda-host.ts): loads the Lambda bundle once, like an execution
// environment's init phase, then answers invocations received over IPC.
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { errorInfo, type FunctionIdentity, type HostMessage, type WorkerMessage } from "./lambda-protocol";

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function context(identity: FunctionIdentity, deadlineMs: number): Context {
  const unsupported = () => {
    throw new Error("callback-style context methods are not supported; return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: identity.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${identity.region}:${identity.accountId}:function:${identity.functionName}`,
    memoryLimitInMB: String(identity.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${identity.functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function main(): void {
  const [bundleFile, identityJson] = process.argv.slice(2);
  const identity = JSON.parse(identityJson) as FunctionIdentity;
  let handler: Handler;
  try {
    handler = (require(bundleFile) as { handler: Handler }).handler;
    if (typeof handler !== "function") throw new TypeError(`${bundleFile} does not export a function named handler`);
  } catch (error) {
    send({ type: "init-error", error: errorInfo(error) });
    process.exitCode = 1;
    process.disconnect?.();
    return;
  }
  process.on("message", (message: HostMessage) => {
    handler(message.event, context(identity, message.deadlineMs)).then(
      (result) => send({ type: "result", id: message.id, result }),
      (error: unknown) => send({ type: "error", id: message.id, error: errorInfo(error) }),
    );
  });
  // The host is gone (stopped or crashed): an execution environment never outlives it.
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready" });
}

main();
