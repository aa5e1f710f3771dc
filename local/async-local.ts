// What local mode adds for async services: the bucket of the loopback S3 and the same prefixes,
// function variables and output paths as the deployed stack.
import type { AppConfig, ServiceConfig } from "../config";
import { asyncFolders } from "../constructs/async-inference";
import { toAsyncEnvironment } from "../lambda/async-environment";
import { asyncPrefix } from "../stacks/async-wiring";
import type { AsyncOutput } from "./async-invocations";

/** The local stand-in of the artifact bucket. */
export const LOCAL_ASYNC_BUCKET = "local-artifacts";

/** Where SageMaker writes an async service's results and failures, as the endpoint configuration says. */
export function localAsyncOutput(config: AppConfig, service: ServiceConfig): AsyncOutput {
  const folders = asyncFolders(asyncPrefix(config.namePrefix, service));
  return { outputPath: `s3://${LOCAL_ASYNC_BUCKET}/${folders.results}/`, failurePath: `s3://${LOCAL_ASYNC_BUCKET}/${folders.errors}/` };
}

/** The async function's variables: its store, and the loopback S3 its client talks to. */
export function localAsyncEnvironment(config: AppConfig, service: ServiceConfig, s3Url: string): Record<string, string> {
  return {
    ...toAsyncEnvironment({ bucket: LOCAL_ASYNC_BUCKET, prefix: asyncPrefix(config.namePrefix, service) }),
    AWS_ENDPOINT_URL_S3: s3Url,
  };
}
