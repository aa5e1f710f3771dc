// presets/all-in-one.json served locally on tiny random-weight models of each architecture, built
// here offline as plain Hub-style downloads without code/: each route runs the project's own
// inference code for its task (model/code, model/tasks) with torch and transformers. Skipped where
// the Python interpreter (REAL_MODEL_PYTHON, default python3) cannot import them.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLocalConfig } from "../../local/cli";
import { type LocalStack, startStack } from "../../local/processes";
import { API_KEY, json, post, REPO_ROOT } from "./support";

const PYTHON = process.env.REAL_MODEL_PYTHON ?? "python3";
const FIND_TORCH = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('torch') and u.find_spec('transformers') else 1)";
const hasTorch = spawnSync(PYTHON, ["-c", FIND_TORCH], { stdio: "ignore" }).status === 0;
const describeIfTorch = hasTorch ? describe : describe.skip;

const ROUTES = ["sentiment", "qa", "generate", "embeddings", "paraphrase"] as const;

const BUILD = `
import sys
sys.path.insert(0, sys.argv[1])
import tiny_models as t
root = sys.argv[2]
t.build_pair_classifier(root + "/sentiment", labels=("Neutral", "Positive", "Negative"))
t.build_question_answering(root + "/qa")
t.build_t5(root + "/generate")
t.build_sentence_transformer(root + "/embeddings")
t.build_pair_classifier(root + "/paraphrase")
`;

let stack: LocalStack | undefined;
let scratch: string | undefined;

const url = (route: string): string => {
  const found = stack?.services.find((s) => s.service.routePath === route);
  if (!found) throw new Error(`route ${route} is not served`);
  return found.routeUrl;
};

describeIfTorch(`all five routes on real tiny models (skipped where ${PYTHON} cannot import torch and transformers)`, () => {
  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), "all-in-one-real-"));
    execFileSync(PYTHON, ["-c", BUILD, path.join(REPO_ROOT, "model", "tests"), scratch], { stdio: "inherit" });
    const config = loadLocalConfig({ APP_CONFIG: path.join(REPO_ROOT, "presets", "all-in-one.json") });
    const modelDirs = config.services.map((s) => path.join(scratch as string, s.name as string));
    stack = await startStack({
      config,
      modelDirs,
      ports: { gateway: 0, runtime: 0, model: 0 },
      apiKey: API_KEY,
      python: PYTHON,
      readyTimeoutMs: 120_000,
      log: () => undefined,
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("the model directories had no code/ of their own", () => {
    for (const route of ROUTES) expect(existsSync(path.join(scratch as string, route, "code"))).toBe(false);
  });

  test("sentiment answers a label and score per text", async () => {
    const reply = await post(url("sentiment"), { texts: ["profit rose", "the company said"] });
    expect(reply.status).toBe(200);
    expect(
      (json(reply) as { data: Array<{ label: string }> }).data.map((d) => ["NEUTRAL", "POSITIVE", "NEGATIVE"].includes(d.label)),
    ).toEqual([true, true]);
  });

  test("qa answers with a span of the context", async () => {
    const context = "paris is the capital of france";
    const reply = await post(url("qa"), { question: "what is the capital of france?", context });
    expect(reply.status).toBe(200);
    const [answer] = (json(reply) as { data: Array<{ answer: string; start: number; end: number }> }).data;
    expect(context.slice(answer.start, answer.end)).toBe(answer.answer);
  });

  test("generate returns one text per input", async () => {
    const reply = await post(url("generate"), {
      texts: ["summarize: revenue rose", "translate English to German: the house"],
      parameters: { max_new_tokens: 4 },
    });
    expect(reply.status).toBe(200);
    expect((json(reply) as { data: unknown[] }).data).toEqual([
      { generated_text: expect.any(String) },
      { generated_text: expect.any(String) },
    ]);
  });

  test("embeddings returns one unit vector per input", async () => {
    const reply = await post(url("embeddings"), { input: ["profit rose", "the bank", "paris"] });
    expect(reply.status).toBe(200);
    const body = json(reply) as { data: Array<{ embedding: number[] }>; dimensions: number };
    expect(body.dimensions).toBe(16);
    expect(body.data.map((d) => Math.round(Math.hypot(...d.embedding) * 1000) / 1000)).toEqual([1, 1, 1]);
  });

  test("paraphrase scores a pair", async () => {
    const reply = await post(url("paraphrase"), { pairs: [{ text: "profit rose", text_pair: "revenue rose" }] });
    expect(reply.status).toBe(200);
    expect((json(reply) as { data: Array<{ label: string }> }).data[0].label).toMatch(/^(NOT_)?EQUIVALENT$|^(not_)?equivalent$/);
  });

  test.each(ROUTES)("%s refuses an empty body object with 400", async (route) => {
    expect((await post(url(route), {})).status).toBe(400);
  });
});
