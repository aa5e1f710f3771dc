import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { type ModelServer, startModelServer } from "../../local/model-server";
import { type LocalRuntime, startLocalRuntime } from "../../local/sagemaker-runtime";
import { FIXTURE_MODEL } from "./support";

const awsVersion = spawnSync("aws", ["--version"], { encoding: "utf8" });
const awsCli = awsVersion.status === 0 ? (awsVersion.stdout + awsVersion.stderr).trim() : undefined;
const itIfAwsCli = awsCli ? it : it.skip;
const execFileAsync = promisify(execFile);

const CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
const FIXTURE_ANSWER = [
  [
    { label: "Positive", score: expect.any(Number) },
    { label: "Neutral", score: expect.any(Number) },
    { label: "Negative", score: expect.any(Number) },
  ],
];

let model: ModelServer | undefined;
let runtime: LocalRuntime | undefined;
let client: SageMakerRuntimeClient;
let scratch: string;

beforeAll(async () => {
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
      ["fixture", model.url],
      // Nothing listens on port 1: the container is down.
      ["down", "http://127.0.0.1:1"],
    ]),
  });
  client = new SageMakerRuntimeClient({ endpoint: runtime.url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
  scratch = mkdtempSync(path.join(os.tmpdir(), "local-runtime-test-"));
}, 30_000);

afterAll(async () => {
  client?.destroy();
  await runtime?.close();
  await model?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function invoke(endpointName: string, inputs: string[]) {
  return client.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      ContentType: "application/json",
      Accept: "application/json",
      Body: JSON.stringify({ inputs }),
    }),
  );
}

describe("local SageMaker Runtime with real AWS clients", () => {
  it("answers InvokeEndpoint from the AWS SDK v3 with the model's output", async () => {
    const output = await invoke("fixture", ["Profit rose to a record"]);
    expect(output.ContentType).toBe("application/json");
    expect(output.InvokedProductionVariant).toBe("AllTraffic");
    expect(JSON.parse(Buffer.from(output.Body!).toString("utf8"))).toEqual(FIXTURE_ANSWER);
  });

  it("reports a failing handler as ModelError 424 with the container's status and message", async () => {
    const error = await invoke("fixture", ["__raise__"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    const modelError = error as ModelError;
    expect(modelError.$metadata.httpStatusCode).toBe(424);
    expect(modelError.OriginalStatusCode).toBe(400);
    expect(JSON.parse(modelError.OriginalMessage!)).toEqual({
      code: 400,
      type: "InternalServerException",
      message: "fixture model: input asked to fail (__raise__)",
    });
    expect(modelError.message).toMatch(/^Received client error \(400\) from primary with message/);
    expect(modelError.LogStreamArn).toBe("arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/fixture");
  });

  it.each([
    ["an unknown endpoint", "ValidationError", "nope", 400, "Endpoint nope of account 000000000000 not found."],
    ["a model server that is down", "ServiceUnavailable", "down", 503, expect.stringContaining("The endpoint down is unavailable")],
  ])("reports %s as %s", async (_, name, endpoint, status, message) => {
    const error = (await invoke(endpoint, ["x"]).catch((e: unknown) => e)) as Error & { $metadata: { httpStatusCode: number } };
    expect(error.name).toBe(name);
    expect(error.$metadata.httpStatusCode).toBe(status);
    expect(error.message).toEqual(message);
  });

  itIfAwsCli(
    `answers aws sagemaker-runtime invoke-endpoint (${awsCli ?? "skipped: no aws CLI on PATH; apt-get install awscli"})`,
    async () => {
      const outFile = path.join(scratch, "out.json");
      // CLI v2 reads blob arguments as base64 unless told otherwise; v1 takes them raw.
      const binaryFormat = awsCli?.startsWith("aws-cli/1.") ? [] : ["--cli-binary-format", "raw-in-base64-out"];
      // Asynchronous: the runtime under test answers from this process's event loop.
      const result = await execFileAsync(
        "aws",
        [
          "sagemaker-runtime",
          "invoke-endpoint",
          "--endpoint-url",
          runtime!.url,
          "--endpoint-name",
          "fixture",
          "--content-type",
          "application/json",
          "--body",
          JSON.stringify({ inputs: ["Profit rose to a record"] }),
          ...binaryFormat,
          outFile,
        ],
        {
          timeout: 15_000,
          env: {
            PATH: process.env.PATH,
            HOME: scratch,
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_REGION: "us-east-1",
            AWS_PAGER: "",
          },
        },
      );
      expect(result.stderr).toBe("");
      expect(JSON.parse(result.stdout)).toEqual({ ContentType: "application/json", InvokedProductionVariant: "AllTraffic" });
      expect(JSON.parse(readFileSync(outFile, "utf8"))).toEqual(FIXTURE_ANSWER);
    },
    20_000,
  );
});
