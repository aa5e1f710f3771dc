// The contracts' endpoint bodies go through the fixture models' handlers (whose parsing is the
// real task code's input_fn) and their answers map back through the contracts' response mapping.
import * as fs from "node:fs";
import * as path from "node:path";
import { questionAnsweringEndpointRequest, questionAnsweringResponseFrom } from "../../contract/question-answering";
import { sentencePairEndpointRequest, sentencePairResponseFrom } from "../../contract/sentence-pair-classification";
import { generationEndpointRequest, generationResponseFrom } from "../../contract/text2text-generation";
import { embeddingEndpointRequest, embeddingResponseFrom } from "../../contract/feature-extraction";
import { architecturesOf, inferTask, resolveTask, type Task, taskFileProblems } from "../../lib/tasks";
import { fixtureModelDir, invokeFixture } from "./fixture-models";

function filesUnder(dir: string, prefix = ""): Set<string> {
  return new Set(
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory() ? [...filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)] : [`${prefix}${entry.name}`],
      ),
  );
}

describe("fixture models", () => {
  it.each<[Task, Task]>([
    ["question-answering", "question-answering"],
    ["text2text-generation", "text2text-generation"],
    ["feature-extraction", "feature-extraction"],
    ["sentence-pair-classification", "text-classification"],
  ])("%s: config.json infers %s, the configured task is accepted and no task file is missing", (task, inferred) => {
    const dir = fixtureModelDir(task);
    const facts = { architectures: architecturesOf(fs.readFileSync(path.join(dir, "config.json"), "utf8")), files: filesUnder(dir) };
    expect(inferTask(facts)).toBe(inferred);
    expect(resolveTask(task, facts, task)).toBe(task);
    expect(taskFileProblems(task, facts.files)).toEqual([]);
  });

  it("question answering: the endpoint body is read and its answer maps to one best span per item", () => {
    const request = {
      items: [
        { question: "Who?", context: "Ann founded Kestrel." },
        { question: "Where?", context: "in Oslo" },
      ],
    };
    expect(questionAnsweringResponseFrom(invokeFixture("question-answering", questionAnsweringEndpointRequest(request)), request)).toEqual({
      data: [
        { answer: "founded", score: 0.9, start: 4, end: 11 },
        { answer: "Oslo", score: 0.9, start: 3, end: 7 },
      ],
    });
  });

  it("question answering with top_k: a list per item, best first", () => {
    const request = { question: "Who?", context: "Ann founded Kestrel.", top_k: 2 };
    const response = questionAnsweringResponseFrom(invokeFixture("question-answering", questionAnsweringEndpointRequest(request)), request);
    expect(response.data).toEqual([
      [
        { answer: "founded", score: 0.9, start: 4, end: 11 },
        { answer: "Kestrel", score: 0.45, start: 12, end: 19 },
      ],
    ]);
  });

  it("sentence pairs: the endpoint body is read and its answer maps to each pair's best label", () => {
    const request = {
      pairs: [
        { text: "the cat sat", text_pair: "the cat sat" },
        { text: "the cat sat", text_pair: "stocks fell" },
      ],
    };
    const response = sentencePairResponseFrom(invokeFixture("sentence-pair-classification", sentencePairEndpointRequest(request)), 2);
    expect(response.data.map((prediction) => prediction.label)).toEqual(["equivalent", "not_equivalent"]);
  });

  it("text2text: the endpoint body with parameters is read and its answer maps to one generation per text", () => {
    const request = {
      texts: ["one two three", "four"],
      parameters: { max_new_tokens: 2, num_beams: 2, do_sample: true, temperature: 0.5, top_p: 0.9 },
    };
    expect(generationResponseFrom(invokeFixture("text2text-generation", generationEndpointRequest(request)), 2)).toEqual({
      data: [{ generated_text: "three two" }, { generated_text: "four" }],
    });
  });

  it("embeddings: the endpoint body is read and its answer maps to one vector per text", () => {
    const request = { input: ["alpha", "beta gamma"], normalize: false };
    const response = embeddingResponseFrom(invokeFixture("feature-extraction", embeddingEndpointRequest(request)), 2, "fixture");
    expect(response.dimensions).toBe(8);
    expect(response.data.map((item) => item.embedding.reduce((sum, value) => sum + value, 0))).toEqual([1, 2]);
  });
});
