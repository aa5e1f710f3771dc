// Entry of an asynchronous route's function: `POST /<route>` stores the request and queues it on the
// async endpoint; `GET /<route>/results/{id}` answers pending (202), the result (200) or the mapped error.
import { randomUUID } from "node:crypto";
import { Logger } from "@aws-lambda-powertools/logger";
import { InvokeEndpointAsyncCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { z } from "zod";
import { handlerContract } from "../contract/tasks";
import { fromAsyncEnvironment } from "./async-environment";
import { createS3Client, getText, parseS3Uri, putJson } from "./async-store";
import { createClient } from "./endpoint";
import { fromEnvironment } from "./environment";
import { AsyncInferenceFailedError, BadModelResponseError, ClientError } from "./errors";
import { failureResponse } from "./failure";
import { jsonResponse, parseRequest } from "./request";

const DEADLINE_RESERVE_MS = 500;
/** Seconds a client is asked to wait before polling again. */
export const POLL_AFTER_S = 5;
/** The ids this function hands out: random UUIDs. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const config = fromEnvironment(process.env);
const store = fromAsyncEnvironment(process.env);
const logger = new Logger();
const sagemaker = createClient(config);
const s3 = createS3Client();
const contract = handlerContract(config.task);
const schema = contract.requestSchema(config.limits);

/**
 * Ids and objects. SageMaker names the output object itself and returns its place
 * (OutputLocation, FailureLocation) from InvokeEndpointAsync; the failure object's name is not
 * documented to follow anything the caller passes. So POST picks a random id, stores the model's
 * input at `inputs/<id>/body.json`, passes the id as InferenceId, and records the returned
 * locations with the validated request in `inputs/<id>/invocation.json`. GET reads that record:
 * none means an unknown id (404); else the output object is the result, the failure object the
 * error, and neither yet means pending. Nothing is listed or guessed.
 */
const keys = (id: string) => ({ body: `${store.prefix}/inputs/${id}/body.json`, record: `${store.prefix}/inputs/${id}/invocation.json` });

const invocationRecord = z.object({ request: z.unknown(), outputLocation: z.string(), failureLocation: z.string().optional() });
type InvocationRecord = z.infer<typeof invocationRecord>;

/** A location the record names must lie in this service's results or errors folder. */
function ownObject(uri: string, folder: "results" | "errors"): { bucket: string; key: string } {
  const location = parseS3Uri(uri);
  if (!location || location.bucket !== store.bucket || !location.key.startsWith(`${store.prefix}/${folder}/`)) {
    throw new Error(`recorded location ${uri} is outside ${store.prefix}/${folder}/ of ${store.bucket}`);
  }
  return location;
}

async function submit(event: APIGatewayProxyEvent, abortSignal: AbortSignal): Promise<APIGatewayProxyResult> {
  const request = parseRequest(event, schema, config.limits, contract.charged);
  if (config.logRequestText) logger.info("request text", { request });
  const id = randomUUID();
  const { body, record } = keys(id);
  await putJson(s3, store, body, contract.endpointBody(request), abortSignal);
  const queued = await sagemaker.send(
    new InvokeEndpointAsyncCommand({
      EndpointName: config.endpointName,
      InputLocation: `s3://${store.bucket}/${body}`,
      InferenceId: id,
      ContentType: "application/json",
      Accept: "application/json",
    }),
    { abortSignal },
  );
  if (queued.OutputLocation === undefined) throw new BadModelResponseError("InvokeEndpointAsync returned no OutputLocation");
  const recorded: InvocationRecord = { request, outputLocation: queued.OutputLocation, failureLocation: queued.FailureLocation };
  await putJson(s3, store, record, recorded, abortSignal);
  const resultPath = `${event.requestContext.path}/results/${id}`;
  return jsonResponse(202, { id, status: "pending", resultPath }, { Location: resultPath, "Retry-After": String(POLL_AFTER_S) });
}

async function result(event: APIGatewayProxyEvent, abortSignal: AbortSignal): Promise<APIGatewayProxyResult> {
  const id = event.pathParameters?.id ?? "";
  if (!ID_PATTERN.test(id)) throw new ClientError(400, "id: must be an id that POST returned (a lowercase UUID)");
  const text = await getText(s3, store.bucket, keys(id).record, abortSignal);
  if (text === undefined) throw new ClientError(404, `id: no request ${id} on this route`);
  const record = invocationRecord.parse(JSON.parse(text));
  const output = ownObject(record.outputLocation, "results");
  const answer = await getText(s3, output.bucket, output.key, abortSignal);
  if (answer !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch (cause) {
      throw new BadModelResponseError(`result of ${id} is not JSON (${answer.length} chars)`, { cause });
    }
    return jsonResponse(200, contract.response(parsed, record.request, { modelId: config.modelId }));
  }
  if (record.failureLocation !== undefined) {
    const failure = ownObject(record.failureLocation, "errors");
    const reason = await getText(s3, failure.bucket, failure.key, abortSignal);
    if (reason !== undefined) throw new AsyncInferenceFailedError(reason);
  }
  const resultPath = event.requestContext.path;
  return jsonResponse(202, { id, status: "pending", resultPath }, { "Retry-After": String(POLL_AFTER_S) });
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const startedAt = performance.now();
  const requestId = event.requestContext?.requestId ?? context.awsRequestId;
  logger.addContext(context);
  logger.appendKeys({ requestId });
  const abortSignal = AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS));
  let answer: APIGatewayProxyResult;
  try {
    answer = event.httpMethod === "GET" ? await result(event, abortSignal) : await submit(event, abortSignal);
  } catch (error) {
    answer = failureResponse(error, requestId, logger);
  }
  logger.info("request completed", {
    method: event.httpMethod,
    statusCode: answer.statusCode,
    latencyMs: Math.round(performance.now() - startedAt),
  });
  return answer;
}
