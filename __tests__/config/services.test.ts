// Several services in one configuration: a `services` list in the context or an APP_CONFIG file.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "./sagemaker-config";
import { contextProblems as problemsOf } from "./problems";

const FIXTURES = path.resolve(__dirname, "..", "fixtures");
const QA_MODEL = path.join(FIXTURES, "question-answering-model");

const qa = { name: "qa", task: "question-answering", modelSource: "hub:deepset/bert-base-cased-squad2" };
const embeddings = {
  name: "embeddings",
  task: "feature-extraction",
  modelSource: "hub:sentence-transformers/all-mpnet-base-v2",
  endpointMode: "serverless",
  serverlessMemoryMb: 6144,
};

describe("a services list", () => {
  const config = loadConfig({ context: { namePrefix: "team", maxTexts: 16, services: [qa, embeddings] } });

  test("gives one service per entry, in order, routed by name", () => {
    expect(config.services.map((s) => [s.name, s.routePath, s.task])).toEqual([
      ["qa", "qa", "question-answering"],
      ["embeddings", "embeddings", "feature-extraction"],
    ]);
  });

  test("sets each service's capacity from its entry", () => {
    expect(config.services[0].endpoint).toEqual({ mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 });
    expect(config.services[1].endpoint).toMatchObject({ mode: "serverless", memorySizeMb: 6144 });
  });

  test("takes top-level values of service fields as every service's default", () => {
    expect(config.services.map((s) => s.limits.maxTexts)).toEqual([16, 16]);
  });

  test("lets an entry set its own route", () => {
    expect(loadConfig({ context: { services: [{ ...qa, routePath: "v2/answers" }] } }).services[0].routePath).toBe("v2/answers");
  });

  test("serverless services resolve the CPU image even where another service runs on a GPU", () => {
    const mixed = loadConfig({ context: { services: [{ ...qa, instanceType: "ml.g5.xlarge" }, embeddings] } });
    expect(mixed.services.map((s) => /-(gpu|cpu)-/.exec(s.model.image.tag)?.[1])).toEqual(["gpu", "cpu"]);
  });
});

describe("APP_CONFIG", () => {
  test("loads the whole configuration from a file in place of the context", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "app-config-")), "app.json");
    fs.writeFileSync(file, JSON.stringify({ namePrefix: "from-file", services: [qa] }));
    const config = loadConfig({ env: { APP_CONFIG: file }, context: { namePrefix: "from-context" } });
    expect(config.namePrefix).toBe("from-file");
    expect(config.services.map((s) => s.name)).toEqual(["qa"]);
  });

  test("a missing file is named", () => {
    expect(() => loadConfig({ env: { APP_CONFIG: "/nonexistent/app.json" } })).toThrow(
      /APP_CONFIG: cannot read \/nonexistent\/app\.json: ENOENT/,
    );
  });

  test("a file that is not one JSON object is named", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "app-config-")), "app.json");
    fs.writeFileSync(file, "[1, 2]");
    expect(() => loadConfig({ env: { APP_CONFIG: file } })).toThrow(/APP_CONFIG: .*app\.json must hold one JSON object of settings/);
  });
});

describe("task inference", () => {
  test("a model directory's config.json gives the task", () => {
    expect(loadConfig({ context: { services: [{ name: "qa", modelSource: QA_MODEL }] } }).services[0].task).toBe("question-answering");
  });

  test("a .tar.gz archive's config.json gives the task", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "archive-"));
    const archive = path.join(dir, "model.tar.gz");
    execFileSync("tar", ["-czf", archive, "-C", QA_MODEL, "."]);
    try {
      expect(loadConfig({ context: { services: [{ name: "qa", modelSource: archive }] } }).services[0].task).toBe("question-answering");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a sentence-transformers layout is an embeddings model", () => {
    const dir = path.join(FIXTURES, "feature-extraction-model");
    expect(loadConfig({ context: { services: [{ name: "embed", modelSource: dir }] } }).services[0].task).toBe("feature-extraction");
  });

  test("a task that contradicts the architecture fails naming both", () => {
    expect(problemsOf({ services: [{ name: "qa", task: "text2text-generation", modelSource: QA_MODEL }] })).toMatch(
      /services\[0\] "qa": task: task text2text-generation contradicts the model: architecture BertForQuestionAnswering is a question-answering model/,
    );
  });

  test("a Hub source in a services list needs its task (synth stays offline)", () => {
    expect(problemsOf({ services: [{ name: "qa", modelSource: "hub:deepset/bert-base-cased-squad2" }] })).toMatch(
      /services\[0\] "qa": task: required: the model's config.json cannot be read at synth \(a hub source\)/,
    );
  });

  test("the environment's single service keeps text classification for a Hub source", () => {
    expect(loadConfig({ env: { MODEL_SOURCE: "hub:yiyanghkust/finbert-tone" } }).services[0].task).toBe("text-classification");
  });

  test("sentiment-analysis is read as text-classification", () => {
    expect(loadConfig({ env: { HF_TASK: "sentiment-analysis" } }).services[0].task).toBe("text-classification");
  });
});

describe("validation names the service and the field", () => {
  test.each<[string, unknown, RegExp]>([
    [
      "a bad field",
      [qa, { ...embeddings, serverlessMemoryMb: 5000 }],
      /services\[1\] "embeddings": serverlessMemoryMb: must be a multiple of 1024/,
    ],
    ["a bad instance type", [{ ...qa, instanceType: "m5.large" }], /services\[0\] "qa": instanceType: must be a SageMaker instance type/],
    [
      "a payload over the serverless limit",
      [{ ...embeddings, maxTexts: 64, maxTextChars: 20000, maxTotalChars: 1000000 }],
      /services\[0\] "embeddings": maxTextChars: .*over the serverless endpoint's 4000000-byte limit/,
    ],
    [
      "an unknown field",
      [{ ...qa, instanceTyp: "ml.m5.large" }],
      /services\[0\] "qa": "instanceTyp": unknown setting; allowed: name, routePath, task,/,
    ],
    ["a field only the app sets", [{ ...qa, stageName: "v2" }], /services\[0\] "qa": "stageName": unknown setting/],
    ["a bad name", [{ ...qa, name: "Q&A" }], /services\[0\]: name: must be 1-20 lowercase letters/],
    ["a missing name", [{ task: "question-answering", modelSource: "hub:a/b" }], /services\[0\]: name: .*got undefined/],
    ["a name given twice", [qa, { ...embeddings, name: "qa" }], /services: name "qa" is given twice/],
    ["a route served twice", [qa, { ...embeddings, routePath: "qa" }], /services: route "qa" is served twice/],
    ["an empty list", [], /services: must be a non-empty list of service objects/],
    ["an entry that is not an object", ["qa"], /services\[0\]: must be an object with a "name"/],
  ])("%s", (_name, services, message) => {
    expect(problemsOf({ services })).toMatch(message);
  });

  test("a service field's environment variable is refused next to a services list", () => {
    expect(problemsOf({ services: [qa] }, { INSTANCE_TYPE: "ml.c5.large" })).toMatch(
      /INSTANCE_TYPE: configures the single default service; with a "services" list set "instanceType" in the service's entry/,
    );
  });

  test("every bad service is reported at once", () => {
    const message = problemsOf({
      services: [
        { ...qa, instanceCount: 0 },
        { ...embeddings, serverlessMaxConcurrency: 500 },
      ],
    });
    expect(message).toMatch(/services\[0\] "qa": instanceCount/);
    expect(message).toMatch(/services\[1\] "embeddings": serverlessMaxConcurrency/);
  });
});
