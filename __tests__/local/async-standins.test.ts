// The real AWS SDK clients against the loopback S3 and the local runtime's InvokeEndpointAsync.
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { type ModelServer, startModelServer } from "../../local/model-server";
import { type LocalS3, startLocalS3 } from "../../local/s3-standin";
import { type LocalRuntime, startLocalRuntime } from "../../local/sagemaker-runtime";
import { FIXTURE_MODEL } from "./support";

const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const OUTPUT = { outputPath: "s3://artifacts/async/svc/results/", failurePath: "s3://artifacts/async/svc/errors/" };

let s3: LocalS3;
let model: ModelServer | undefined;
let runtime: LocalRuntime;
let s3Client: S3Client;
let runtimeClient: SageMakerRuntimeClient;

beforeAll(async () => {
  s3 = await startLocalS3({ port: 0, buckets: ["artifacts"] });
  model = await startModelServer({
    python: "python3",
    modelDir: FIXTURE_MODEL,
    port: 0,
    env: {},
    readyTimeoutMs: 20_000,
    log: () => undefined,
  });
  runtime = await startLocalRuntime({
    port: 0,
    region: "us-east-1",
    endpoints: new Map([
      ["queued", model.url],
      ["realtime", model.url],
    ]),
    asyncEndpoints: new Map([["queued", OUTPUT]]),
    s3: s3.store,
  });
  s3Client = new S3Client({ endpoint: s3.url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
  runtimeClient = new SageMakerRuntimeClient({ endpoint: runtime.url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
}, 30_000);

afterAll(async () => {
  s3Client?.destroy();
  runtimeClient?.destroy();
  await runtime?.close();
  await model?.stop();
  await s3?.close();
});

async function text(bucket: string, key: string): Promise<string> {
  const object = await s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString("utf8")) ?? "";
}

/** The key of an s3:// location once an object is there (at most 10 s). */
async function written(uri: string): Promise<string> {
  const key = uri.replace("s3://artifacts/", "");
  const deadline = Date.now() + 10_000;
  while (s3.store.get("artifacts", key) === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return text("artifacts", key);
}

describe("loopback S3", () => {
  it("stores an object with PutObject and returns it with GetObject, type and ETag included", async () => {
    const put = await s3Client.send(
      new PutObjectCommand({ Bucket: "artifacts", Key: "a/b c.json", Body: '{"x":1}', ContentType: "application/json" }),
    );
    const got = await s3Client.send(new GetObjectCommand({ Bucket: "artifacts", Key: "a/b c.json" }));
    expect(await got.Body?.transformToString("utf8")).toBe('{"x":1}');
    expect(got.ContentType).toBe("application/json");
    expect(got.ETag).toBe(put.ETag);
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it("answers HeadObject with the object's size", async () => {
    await s3Client.send(new PutObjectCommand({ Bucket: "artifacts", Key: "head.txt", Body: "12345" }));
    expect((await s3Client.send(new HeadObjectCommand({ Bucket: "artifacts", Key: "head.txt" }))).ContentLength).toBe(5);
  });

  it("answers GetObject of a missing key with S3's NoSuchKey", async () => {
    const failure = s3Client.send(new GetObjectCommand({ Bucket: "artifacts", Key: "missing" }));
    await expect(failure).rejects.toBeInstanceOf(NoSuchKey);
    await expect(failure).rejects.toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
  });

  it("answers HeadObject of a missing key with NotFound (no body, as S3)", async () => {
    await expect(s3Client.send(new HeadObjectCommand({ Bucket: "artifacts", Key: "missing" }))).rejects.toBeInstanceOf(NotFound);
  });

  it("answers a bucket it does not have with NoSuchBucket", async () => {
    const failure = s3Client.send(new GetObjectCommand({ Bucket: "elsewhere", Key: "x" }));
    await expect(failure).rejects.toBeInstanceOf(S3ServiceException);
    await expect(failure).rejects.toMatchObject({ name: "NoSuchBucket" });
  });
});

describe("InvokeEndpointAsync on the local runtime", () => {
  it("answers with the inference id and both locations, then writes the model's answer to the output location", async () => {
    await s3Client.send(
      new PutObjectCommand({ Bucket: "artifacts", Key: "async/svc/inputs/1.json", Body: JSON.stringify({ inputs: ["Profit rose"] }) }),
    );
    const queued = await runtimeClient.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: "queued",
        InputLocation: "s3://artifacts/async/svc/inputs/1.json",
        InferenceId: "my-id",
        ContentType: "application/json",
        Accept: "application/json",
      }),
    );
    expect(queued.InferenceId).toBe("my-id");
    expect(queued.OutputLocation).toMatch(/^s3:\/\/artifacts\/async\/svc\/results\/[0-9a-f-]{36}\.out$/);
    expect(queued.FailureLocation).toMatch(/^s3:\/\/artifacts\/async\/svc\/errors\/[0-9a-f-]{36}-error\.out$/);
    const answer = JSON.parse(await written(queued.OutputLocation as string)) as Array<Array<{ label: string }>>;
    expect(answer[0].map((s) => s.label)).toContain("Positive");
  });

  it("writes the model's failure to the failure location and nothing to the output location", async () => {
    await s3Client.send(
      new PutObjectCommand({ Bucket: "artifacts", Key: "async/svc/inputs/2.json", Body: JSON.stringify({ inputs: ["__raise__"] }) }),
    );
    const queued = await runtimeClient.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: "queued",
        InputLocation: "s3://artifacts/async/svc/inputs/2.json",
        ContentType: "application/json",
      }),
    );
    expect(await written(queued.FailureLocation as string)).toMatch(
      /^Received client error \(400\) from primary with message ".*__raise__/,
    );
    expect(s3.store.get("artifacts", String(queued.OutputLocation).replace("s3://artifacts/", ""))).toBeUndefined();
  });

  it("writes a failure when the input object does not exist", async () => {
    const queued = await runtimeClient.send(
      new InvokeEndpointAsyncCommand({ EndpointName: "queued", InputLocation: "s3://artifacts/async/svc/inputs/none" }),
    );
    expect(await written(queued.FailureLocation as string)).toContain("NoSuchKey");
  });

  it.each([
    ["an unknown endpoint", "nowhere", /Endpoint nowhere of account 000000000000 not found/],
    ["an endpoint that is not asynchronous", "realtime", /is not an asynchronous endpoint/],
  ])("refuses %s with ValidationError", async (_what, endpoint, message) => {
    const failure = runtimeClient.send(new InvokeEndpointAsyncCommand({ EndpointName: endpoint, InputLocation: "s3://artifacts/x" }));
    await expect(failure).rejects.toMatchObject({ name: "ValidationError", message: expect.stringMatching(message) });
  });
});
