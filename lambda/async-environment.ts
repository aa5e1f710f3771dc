/** Where an async route's function stores requests and finds results. */
export interface AsyncStoreConfig {
  /** The artifact bucket. */
  readonly bucket: string;
  /** `async/<service>`: inputs/, results/ and errors/ below it. */
  readonly prefix: string;
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_PATTERN = /^[a-zA-Z0-9._-]+(\/[a-zA-Z0-9._-]+)*$/;

/** The async function's own variables, next to `toEnvironment`'s. */
export function toAsyncEnvironment(store: AsyncStoreConfig): Record<string, string> {
  return { ASYNC_BUCKET: store.bucket, ASYNC_PREFIX: store.prefix };
}

/** Reads them back; throws naming every bad variable. */
export function fromAsyncEnvironment(env: NodeJS.ProcessEnv): AsyncStoreConfig {
  const problems: string[] = [];
  const bucket = env.ASYNC_BUCKET ?? "";
  const prefix = env.ASYNC_PREFIX ?? "";
  if (!BUCKET_PATTERN.test(bucket)) problems.push(`ASYNC_BUCKET must be an S3 bucket name, got ${JSON.stringify(bucket)}`);
  if (!PREFIX_PATTERN.test(prefix))
    problems.push(`ASYNC_PREFIX must be a key prefix without slashes at the ends, got ${JSON.stringify(prefix)}`);
  if (problems.length > 0) throw new Error(`Invalid handler configuration: ${problems.join("; ")}`);
  return { bucket, prefix };
}
