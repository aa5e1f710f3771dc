// presets/all-in-one.json through `npm start`: five routes on one local gateway, each with its own
// model server on its task's stdlib fixture model. One start is shared by every case.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { API_KEY, json, killCli, post, REPO_ROOT, type RunningCli, startCli } from "./support";

const FIXTURES = path.join(REPO_ROOT, "__tests__", "fixtures");
const MODEL_DIRS = {
  sentiment: path.join(FIXTURES, "local-model"),
  qa: path.join(FIXTURES, "question-answering-model"),
  generate: path.join(FIXTURES, "text2text-generation-model"),
  embeddings: path.join(FIXTURES, "feature-extraction-model"),
  paraphrase: path.join(FIXTURES, "sentence-pair-classification-model"),
};

let cli: RunningCli | undefined;

beforeAll(async () => {
  const modelDirs = Object.entries(MODEL_DIRS).flatMap(([name, dir]) => ["--model-dir", `${name}=${dir}`]);
  cli = await startCli([...modelDirs, "--port", "0", "--runtime-port", "0", "--model-port", "0", "--api-key", API_KEY], {
    APP_CONFIG: path.join(REPO_ROOT, "presets", "all-in-one.json"),
  });
}, 60_000);

afterAll(() => killCli(cli));

function routeUrl(route: string): string {
  if (!cli) throw new Error("npm start did not start");
  const match = new RegExp(`POST (http://127\\.0\\.0\\.1:\\d+/v1/${route})\\s`).exec(cli.output().stdout);
  if (!match) throw new Error(`no route /${route} in the banner:\n${cli.output().stdout}`);
  return match[1];
}

describe("npm start with presets/all-in-one.json", () => {
  it("prints all five routes on one gateway", () => {
    const ports = Object.keys(MODEL_DIRS).map((route) => new URL(routeUrl(route)).port);
    expect(new Set(ports).size).toBe(1);
  });

  it("sentiment classifies a text", async () => {
    const reply = await post(routeUrl("sentiment"), { text: "Quarterly profit rose to a record" });
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ data: [{ label: "POSITIVE", score: expect.any(Number) }] });
  });

  it("qa answers with text from the context and its character offsets", async () => {
    const context = "The merger closed in Helsinki yesterday.";
    const reply = await post(routeUrl("qa"), { question: "Where did the merger close?", context });
    expect(reply.status).toBe(200);
    const [answer] = (json(reply) as { data: Array<{ answer: string; score: number; start: number; end: number }> }).data;
    expect(answer).toEqual({ answer: expect.any(String), score: expect.any(Number), start: expect.any(Number), end: expect.any(Number) });
    expect(context.slice(answer.start, answer.end)).toBe(answer.answer);
  });

  it("qa with top_k answers a list per item", async () => {
    const reply = await post(routeUrl("qa"), { items: [{ question: "Where?", context: "Revenue grew strongly in Finland." }], top_k: 2 });
    expect(reply.status).toBe(200);
    const { data } = json(reply) as { data: unknown[][] };
    expect(data).toHaveLength(1);
    expect(data[0]).toHaveLength(2);
  });

  it("generate returns one generated text per input, with the parameters applied", async () => {
    const reply = await post(routeUrl("generate"), { texts: ["one two three", "four five"], parameters: { max_new_tokens: 2 } });
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ data: [{ generated_text: expect.any(String) }, { generated_text: expect.any(String) }] });
  });

  it("embeddings returns one normalised vector per input, OpenAI-style", async () => {
    const reply = await post(routeUrl("embeddings"), { input: ["profit rose", "debt fell"] });
    expect(reply.status).toBe(200);
    const body = json(reply) as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      model: string;
      dimensions: number;
    };
    expect(body).toMatchObject({ object: "list", model: "sentence-transformers/all-mpnet-base-v2" });
    expect(body.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
      ["embedding", 0, body.dimensions],
      ["embedding", 1, body.dimensions],
    ]);
    const norm = Math.hypot(...body.data[0].embedding);
    expect(norm).toBeCloseTo(1, 5);
  });

  it("paraphrase scores a sentence pair", async () => {
    const reply = await post(routeUrl("paraphrase"), {
      text: "The company posted record profit.",
      text_pair: "The company posted a record profit.",
    });
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({ data: [{ label: expect.any(String), score: expect.any(Number) }] });
  });

  it.each<[string, unknown]>([
    ["sentiment", { texts: [] }],
    ["qa", { question: "Where?" }],
    ["qa", { question: "Where?", context: "Here.", top_k: 9 }],
    ["generate", { text: "hello", parameters: { num_beams: 99 } }],
    ["embeddings", { input: [] }],
    ["paraphrase", { text: "only one side" }],
  ])("%s refuses %j with a 4xx JSON error", async (route, body) => {
    const reply = await post(routeUrl(route), body);
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(json(reply)).toEqual({ message: expect.any(String), requestId: expect.any(String) });
  });

  it("a route's request schema is its own: a sentiment body is refused on qa", async () => {
    expect((await post(routeUrl("qa"), { text: "Profit rose" })).status).toBe(400);
  });

  it("every route asks for the API key", async () => {
    for (const route of Object.keys(MODEL_DIRS)) expect((await post(routeUrl(route), { text: "x" }, {})).status).toBe(403);
  });

  it("npm run smoke passes every documented case of every route", async () => {
    const smoke = (route: string, task: string) =>
      promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "tools/smoke.ts", "--url", routeUrl(route), "--task", task, "--key", API_KEY],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, APP_CONFIG: path.join(REPO_ROOT, "presets", "all-in-one.json") },
          timeout: 60_000,
        },
      ).then(
        () => [route, "passed"],
        (error: { stdout: string }) => [route, error.stdout],
      );
    const tasks = {
      sentiment: "text-classification",
      qa: "question-answering",
      generate: "text2text-generation",
      embeddings: "feature-extraction",
      paraphrase: "sentence-pair-classification",
    };
    const outcomes = await Promise.all(Object.entries(tasks).map(([route, task]) => smoke(route, task)));
    expect(outcomes).toEqual(Object.keys(tasks).map((route) => [route, "passed"]));
  }, 60_000);
});
