// Lambda figures: bundle and zip size, cold init in a fresh node process, handler overhead
// against a loopback SageMaker Runtime. Prints figures; asserts nothing. Run: tsx bench/lambda.ts
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { crc32, deflateRawSync } from "node:zlib";
import { bundleLambda } from "../lib/lambda-bundle";

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const COLD_STARTS = 15;
const WARMUP_REQUESTS = 100;
const REQUESTS = 1_000;

/** A one-file zip archive (local header, deflated data, central directory), as Lambda takes it. */
function zipSingleFile(name: string, data: Buffer): Buffer {
  const deflated = deflateRawSync(data, { level: 9 });
  const nameBytes = Buffer.from(name, "utf8");
  const crc = crc32(data);
  const dosDate = (1 << 5) | 1; // 1980-01-01: fixed, so the zip is as deterministic as the bundle
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(dosDate, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode below is honoured
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(dosDate, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(local.length + nameBytes.length + deflated.length, 16);
  return Buffer.concat([local, nameBytes, deflated, central, nameBytes, end]);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (value: number) => `${value.toFixed(2)} ms`;
const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

async function startLoopbackEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { inputs } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { inputs: string[] };
      const scores = [
        { label: "Positive", score: 0.91 },
        { label: "Neutral", score: 0.06 },
        { label: "Negative", score: 0.03 },
      ];
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(inputs.map(() => scores)));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

const handlerEnv = (endpointUrl: string) => ({
  AWS_ACCESS_KEY_ID: "AKIDBENCH",
  AWS_SECRET_ACCESS_KEY: "bench-secret",
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: endpointUrl,
  ENDPOINT_NAME: "finbert-bench",
  POWERTOOLS_SERVICE_NAME: "sentiment-bench",
  // Lambda runs node 22; this machine may not, and the SDK would warn about it.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});

// Runs in a fresh node process: what Lambda does at init (module load + client construction).
const COLD_INIT_SCRIPT = `
const startedAt = performance.now();
const { handler } = require(process.argv[1]);
process.stdout.write(JSON.stringify({ initMs: performance.now() - startedAt, exported: typeof handler }));
`;

async function coldInit(outFile: string, env: Record<string, string>): Promise<{ init: number[]; process: number[] }> {
  const init: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const spawnedAt = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", COLD_INIT_SCRIPT, outFile], {
      env: { ...process.env, ...env, NODE_NO_WARNINGS: "1" },
    });
    processMs.push(performance.now() - spawnedAt);
    const { initMs, exported } = JSON.parse(stdout) as { initMs: number; exported: string };
    if (exported !== "function") throw new Error(`bundle exports handler as ${exported}`);
    init.push(initMs);
  }
  return { init: init.sort((a, b) => a - b), process: processMs.sort((a, b) => a - b) };
}

function benchEvent(): APIGatewayProxyEvent {
  return {
    resource: "/sentiment",
    path: "/sentiment",
    httpMethod: "POST",
    headers: { "Content-Type": "application/json" },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: JSON.stringify({ text: "Revenue grew 12% and margins widened." }),
    isBase64Encoded: false,
    requestContext: { requestId: "bench-request" } as APIGatewayProxyEvent["requestContext"],
  };
}

const benchContext = {
  awsRequestId: "bench",
  functionName: "sentiment",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:sentiment",
  memoryLimitInMB: "512",
  getRemainingTimeInMillis: () => 28_000,
} as Context;

/** Bare keep-alive HTTP round trips to the same endpoint: the floor under the handler figures. */
async function loopbackLatencies(url: string): Promise<number[]> {
  const agent = new Agent({ keepAlive: true });
  const body = JSON.stringify({ inputs: ["Revenue grew 12% and margins widened."] });
  const roundTrip = () =>
    new Promise<void>((done, fail) => {
      const req = request(
        `${url}/endpoints/finbert-bench/invocations`,
        { method: "POST", agent, headers: { "Content-Type": "application/json" } },
        (res) => {
          res.resume().on("end", done);
        },
      );
      req.on("error", fail).end(body);
    });
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await roundTrip();
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const startedAt = performance.now();
      await roundTrip();
      latencies.push(performance.now() - startedAt);
    }
    return latencies.sort((a, b) => a - b);
  } finally {
    agent.destroy();
  }
}

async function handlerLatencies(handler: Handler): Promise<number[]> {
  const event = benchEvent();
  // Logs are formatted as in production but not written, so the terminal I/O is not measured.
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    for (let i = 0; i < WARMUP_REQUESTS; i++) await handler(event, benchContext);
    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const startedAt = performance.now();
      const result = await handler(event, benchContext);
      latencies.push(performance.now() - startedAt);
      if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
    }
    return latencies.sort((a, b) => a - b);
  } finally {
    process.stdout.write = write;
  }
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), "bench-lambda-"));
  const endpoint = await startLoopbackEndpoint();
  try {
    const entry = resolve(__dirname, "../lambda/index.ts");
    const buildStartedAt = performance.now();
    const bundle = bundleLambda({ entry, outDir: workDir });
    const buildMs = performance.now() - buildStartedAt;
    const zip = zipSingleFile("index.js", readFileSync(bundle.outFile));

    const env = handlerEnv(endpoint.url);
    const cold = await coldInit(bundle.outFile, env);

    Object.assign(process.env, env);
    const { handler } = require(bundle.outFile) as { handler: Handler };
    const latencies = await handlerLatencies(handler);
    const floor = await loopbackLatencies(endpoint.url);

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log("Lambda bundle (lambda/index.ts, esbuild, SDK bundled)");
    console.log(`  bundle build (synth cost)  ${ms(buildMs)}`);
    console.log(`  index.js                   ${kb(bundle.bytes)}`);
    console.log(`  zip                        ${kb(zip.length)}   target < 500 KB: ${verdict(zip.length < 500 * 1024)}`);
    console.log(`Cold init, ${COLD_STARTS} fresh node ${process.version} processes (module load + client construction)`);
    console.log(
      `  p50 ${ms(percentile(cold.init, 50))}  max ${ms(cold.init[cold.init.length - 1])}   target < 100 ms: ${verdict(percentile(cold.init, 50) < 100)}`,
    );
    console.log(`  whole process (spawn to exit) p50 ${ms(percentile(cold.process, 50))}`);
    console.log(`Handler overhead, ${REQUESTS} requests (after ${WARMUP_REQUESTS} warm-up) against a loopback endpoint`);
    console.log(`  p50 ${ms(p50)}  p99 ${ms(p99)}  max ${ms(latencies[latencies.length - 1])}   target p99 < 5 ms: ${verdict(p99 < 5)}`);
    console.log(`  bare HTTP round trip to the same endpoint: p50 ${ms(percentile(floor, 50))}  p99 ${ms(percentile(floor, 99))}`);
  } finally {
    await endpoint.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
