import { Logger } from "@aws-lambda-powertools/logger";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { fromEnvironment } from "./environment";
import { handlerContract } from "../contract/tasks";
import { createClient, invokeEndpoint } from "./endpoint";
import { createBedrockClient, invokeBedrock } from "./bedrock";
import { bedrockModel } from "../lib/bedrock-models";
import { failureResponse } from "./failure";
import { jsonResponse, parseRequest } from "./request";

// Time kept back from the Lambda deadline to log and return a 504 instead of being killed.
const DEADLINE_RESERVE_MS = 500;

const config = fromEnvironment(process.env);
const logger = new Logger();
// One client, of the route's backend, for the life of the environment.
const invoke = invoker();
// The route's task, chosen by the environment: one bundle serves every task.
const contract = handlerContract(config.task);
const schema = contract.requestSchema(config.limits);

/** Sends a toolkit body to the route's backend: its SageMaker endpoint or its Bedrock model. */
function invoker(): (body: unknown, abortSignal: AbortSignal) => Promise<unknown> {
  const model = config.bedrockModelId === undefined ? undefined : bedrockModel(config.bedrockModelId);
  if (model === undefined) {
    const client = createClient(config);
    return (body, abortSignal) => invokeEndpoint(client, config.endpointName, body, abortSignal);
  }
  const client = createBedrockClient(config);
  return (body, abortSignal) => invokeBedrock(client, model, body, abortSignal);
}

async function infer(event: APIGatewayProxyEvent, context: Context) {
  const request = parseRequest(event, schema, config.limits, contract.charged);
  const body = contract.endpointBody(request);
  if (config.logRequestText) {
    logger.info("request text", { request });
  }
  // The one attempt gets all the time left: no per-attempt timeout could be shorter and still useful.
  const abortSignal = AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS));
  const invokedAt = performance.now();
  const output = await invoke(body, abortSignal);
  const modelLatencyMs = Math.round(performance.now() - invokedAt);
  return { body: contract.response(output, request, { modelId: config.modelId }), modelLatencyMs };
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const startedAt = performance.now();
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  logger.addContext(context);
  logger.appendKeys({ requestId });
  let result: APIGatewayProxyResult;
  let modelLatencyMs: number | undefined;
  try {
    const answered = await infer(event, context);
    modelLatencyMs = answered.modelLatencyMs;
    result = jsonResponse(200, answered.body);
  } catch (error) {
    result = failureResponse(error, requestId, logger);
  }
  logger.info("request completed", {
    statusCode: result.statusCode,
    latencyMs: Math.round(performance.now() - startedAt),
    modelLatencyMs,
  });
  return result;
}
