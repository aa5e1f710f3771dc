// The local model server against the Hugging Face inference toolkit's documented behaviour
// (aws/sagemaker-huggingface-inference-toolkit v2.6, handler_service.py). Stdlib-only inference.py
// stand-ins record what the server hands them; no torch needed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "../../local/http";
import { type ModelServer, startModelServer } from "../../local/model-server";

let scratch: string;
const servers: ModelServer[] = [];

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "local-toolkit-"));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Records each worker's model_fn call in loads.txt; answers what input_fn received.
const ECHO = `
import json, os, time
def model_fn(model_dir, context):
    with open(os.path.join(model_dir, "loads.txt"), "a") as f:
        f.write(f"{os.getpid()} {context.system_properties['model_dir'] == model_dir}\\n")
    return {"pid": os.getpid()}
def input_fn(body, content_type, context):
    return {"body_type": type(body).__name__, "content_type": content_type, "context": context is not None}
def predict_fn(data, model):
    time.sleep(float(os.environ.get("ECHO_SLEEP_S", "0")))
    return {**data, "pid": model["pid"]}
def output_fn(prediction, accept):
    return json.dumps(prediction)
`;

function modelDir(name: string, source: string): string {
  const dir = path.join(scratch, name);
  mkdirSync(path.join(dir, "code"), { recursive: true });
  writeFileSync(path.join(dir, "code", "inference.py"), source);
  return dir;
}

async function serve(dir: string, env: Record<string, string> = {}): Promise<ModelServer> {
  const server = await startModelServer({
    python: "python3",
    modelDir: dir,
    port: 0,
    env: { SAGEMAKER_MODEL_SERVER_WORKERS: "1", ...env },
    readyTimeoutMs: 15_000,
    log: () => undefined,
  });
  servers.push(server);
  return server;
}

async function invoke(server: ModelServer, headers: Record<string, string>) {
  const reply = await request(`${server.url}/invocations`, { method: "POST", headers, body: '{"inputs": "x"}', timeoutMs: 10_000 });
  return { status: reply.status, body: JSON.parse(reply.body.toString("utf8")) as Record<string, unknown> };
}

describe("the local model server calls inference.py like the toolkit", () => {
  it.each([
    ["application/json", "str"],
    ["text/csv", "str"],
    ["application/json; charset=utf-8", "bytes"],
    ["Application/JSON", "bytes"],
    ["application/octet-stream", "bytes"],
  ])("passes a %s body as %s", async (contentType, bodyType) => {
    const server = await serve(modelDir(`types-${bodyType}-${contentType.length}`, ECHO));

    const reply = await invoke(server, { "content-type": contentType });

    expect(reply.body).toMatchObject({ body_type: bodyType, content_type: contentType });
  });

  it("passes a missing Content-Type as None, so the project's input_fn answers 400", async () => {
    const echo = await serve(modelDir("no-type-echo", ECHO));
    expect((await invoke(echo, {})).body).toMatchObject({ body_type: "bytes", content_type: null });

    const project = await serve(
      modelDir(
        "no-type-project",
        readFileSync(path.join(__dirname, "..", "..", "model", "code", "inference.py"), "utf8").replace(
          /^def model_fn[\s\S]*?\n\n\n/m,
          "def model_fn(model_dir):\n    return None\n\n\n",
        ),
      ),
    );
    const reply = await invoke(project, {});
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/unsupported content type None/);
  });

  it("passes context to the handlers that declare one and not to the others", async () => {
    const dir = modelDir("context", ECHO);
    const server = await serve(dir);

    const reply = await invoke(server, { "content-type": "application/json" });

    expect(reply.body.context).toBe(true);
    expect(readFileSync(path.join(dir, "loads.txt"), "utf8").trim().split(" ")[1]).toBe("True");
  });

  it("refuses transform_fn defined together with input_fn, predict_fn or output_fn", async () => {
    const dir = modelDir("mixed", `${ECHO}\ndef transform_fn(model, body, content_type, accept):\n    return "{}"\n`);

    await expect(serve(dir)).rejects.toThrow(/Cannot use transform_fn implementation in conjunction with input_fn/);
  });

  it("refuses a handler with the wrong number of parameters when it starts", async () => {
    const dir = modelDir("arity", ECHO.replace("def output_fn(prediction, accept):", "def output_fn(prediction):"));

    await expect(serve(dir)).rejects.toThrow(/output_fn definition takes 2 or 3 arguments but 1 were given/);
  });

  it("runs SAGEMAKER_MODEL_SERVER_WORKERS worker processes, each loading the model and serving in parallel", async () => {
    const dir = modelDir("workers", ECHO);
    const server = await serve(dir, { SAGEMAKER_MODEL_SERVER_WORKERS: "3", ECHO_SLEEP_S: "0.5" });

    const startedAt = Date.now();
    const replies = await Promise.all([1, 2, 3].map(() => invoke(server, { "content-type": "application/json" })));
    const elapsedMs = Date.now() - startedAt;

    const loads = readFileSync(path.join(dir, "loads.txt"), "utf8").trim().split("\n");
    expect(new Set(loads.map((line) => line.split(" ")[0])).size).toBe(3);
    expect(new Set(replies.map((reply) => reply.body.pid)).size).toBe(3);
    expect(elapsedMs).toBeLessThan(1_400);
  });

  it("runs one worker per vCPU when SAGEMAKER_MODEL_SERVER_WORKERS is not set", async () => {
    const dir = modelDir("default-workers", ECHO);
    await serve(dir, { SAGEMAKER_MODEL_SERVER_WORKERS: "" });

    expect(readFileSync(path.join(dir, "loads.txt"), "utf8").trim().split("\n")).toHaveLength(os.cpus().length);
  });

  it("refuses a SAGEMAKER_MODEL_SERVER_WORKERS that is not a positive integer", async () => {
    await expect(serve(modelDir("bad-workers", ECHO), { SAGEMAKER_MODEL_SERVER_WORKERS: "0" })).rejects.toThrow(
      /SAGEMAKER_MODEL_SERVER_WORKERS must be a positive integer, got '0'/,
    );
  });
});
