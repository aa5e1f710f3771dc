import * as fs from "node:fs";
import * as path from "node:path";
import { architecturesOf, inferTask, resolveTask, TASKS, TaskMismatchError, taskCodeFiles, taskFileProblems } from "../../lib/tasks";

const facts = (architectures: string[], files: string[] = []) => ({ architectures, files: new Set(files) });

describe("inferTask", () => {
  it.each([
    ["BertForSequenceClassification", "text-classification"],
    ["BertForQuestionAnswering", "question-answering"],
    ["T5ForConditionalGeneration", "text2text-generation"],
    ["BartForConditionalGeneration", "text2text-generation"],
    ["BertModel", "feature-extraction"],
    ["MPNetModel", "feature-extraction"],
  ])("reads %s as %s", (architecture, task) => {
    expect(inferTask(facts([architecture]))).toBe(task);
  });

  it("reads a sentence-transformers layout as feature extraction whatever its encoder", () => {
    expect(inferTask(facts(["BertForMaskedLM"], ["modules.json"]))).toBe("feature-extraction");
  });

  it("tells nothing for an architecture it does not know", () => {
    expect(inferTask(facts(["GPT2LMHeadModel"]))).toBeUndefined();
    expect(inferTask(facts([]))).toBeUndefined();
  });
});

describe("resolveTask", () => {
  it("infers the task when none is configured", () => {
    expect(resolveTask(undefined, facts(["BertForQuestionAnswering"]), "services[1]")).toBe("question-answering");
  });

  it("keeps a configured task that fits, sentence pairs on a sequence classifier included", () => {
    expect(resolveTask("sentence-pair-classification", facts(["BertForSequenceClassification"]), "s")).toBe("sentence-pair-classification");
    expect(resolveTask("question-answering", facts(["SomethingNew"]), "s")).toBe("question-answering");
  });

  it("names the configured task and the architecture when they contradict", () => {
    expect(() => resolveTask("text2text-generation", facts(["BertForQuestionAnswering"]), "services[2] (qa)")).toThrow(
      new TaskMismatchError(
        "services[2] (qa): task text2text-generation contradicts the model: architecture BertForQuestionAnswering is a question-answering model",
      ),
    );
  });

  it("names the sentence-transformers layout when it contradicts", () => {
    expect(() => resolveTask("text-classification", facts(["BertModel"], ["modules.json"]), "s")).toThrow(
      /modules\.json\) is a feature-extraction model/,
    );
  });

  it("asks for a task when nothing tells it", () => {
    expect(() => resolveTask(undefined, facts(["GPT2LMHeadModel"]), "s")).toThrow(/cannot infer the task .*GPT2LMHeadModel.*set the task/);
  });
});

describe("architecturesOf", () => {
  it("reads the list and ignores anything that is not a string", () => {
    expect(architecturesOf('{"architectures": ["BertModel", 3]}')).toEqual(["BertModel"]);
    expect(architecturesOf("{}")).toEqual([]);
  });
});

describe("taskFileProblems", () => {
  it("needs spiece.model or tokenizer.json for T5", () => {
    expect(taskFileProblems("text2text-generation", new Set(["config.json"]))).toEqual([
      "text2text-generation: spiece.model or tokenizer.json missing (the T5 tokenizer)",
    ]);
    expect(taskFileProblems("text2text-generation", new Set(["spiece.model"]))).toEqual([]);
  });

  it("needs the pooling config of a sentence-transformers layout", () => {
    expect(taskFileProblems("feature-extraction", new Set(["modules.json"]))).toHaveLength(1);
    expect(taskFileProblems("feature-extraction", new Set(["modules.json", "1_Pooling/config.json"]))).toEqual([]);
    expect(taskFileProblems("feature-extraction", new Set(["config.json"]))).toEqual([]);
  });
});

describe("taskCodeFiles", () => {
  it.each(TASKS)("points %s at handler code that exists and defines the four handlers", (task) => {
    for (const source of Object.values(taskCodeFiles(task))) {
      expect(fs.existsSync(path.join(__dirname, "../..", source))).toBe(true);
    }
    const inference = fs.readFileSync(path.join(__dirname, "../..", taskCodeFiles(task)["code/inference.py"]), "utf8");
    for (const handler of ["model_fn", "input_fn", "predict_fn", "output_fn"]) {
      expect(inference).toMatch(new RegExp(`^def ${handler}\\(`, "m"));
    }
  });
});
