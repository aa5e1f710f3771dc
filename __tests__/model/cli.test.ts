import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { makeModelDirectory, tempDir, writeFiles } from "./fixtures";

const run = promisify(execFile);
const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
const tool = (name: string): string => path.join(__dirname, "..", "..", "tools", `${name}.ts`);

describe("model:pack and model:check", () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = tempDir("cli");
    dir = makeModelDirectory(root, 50_000);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("model:pack prints the sha256 and size and warns about pickled-only weights", async () => {
    fs.renameSync(path.join(dir, "model.safetensors"), path.join(dir, "pytorch_model.bin"));
    const out = path.join(root, "out.tar.gz");
    const { stdout, stderr } = await run(tsx, [tool("model-pack"), dir, "--out", out]);
    const bytes = fs.statSync(out).size;
    expect(stdout).toContain(`${out}: 6 files, ${bytes} bytes`);
    expect(stdout).toMatch(/^sha256 [0-9a-f]{64}$/m);
    expect(stderr).toContain("warning: weights are pickled (pytorch_model.bin) only");
  });

  it("model:pack exits 1 naming a symlink", async () => {
    fs.symlinkSync(path.join(dir, "vocab.txt"), path.join(dir, "tokenizer.json"));
    await expect(run(tsx, [tool("model-pack"), dir, "--out", path.join(root, "x.tar.gz")])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("tokenizer.json (symlink)"),
    });
  });

  it("model:pack prints a user error's message and no stack trace", async () => {
    await expect(run(tsx, [tool("model-pack"), path.join(root, "absent"), "--out", path.join(root, "x.tar.gz")])).rejects.toMatchObject({
      code: 1,
      stderr: `model:pack: ${path.join(root, "absent")}: not a directory\n`,
    });
  });

  it("model:pack prints the stack of an error that is not a user error", async () => {
    fs.writeFileSync(path.join(root, "file"), "");
    const failed = run(tsx, [tool("model-pack"), dir, "--out", path.join(root, "file", "x.tar.gz")]);
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^model:pack: Error: EEXIST[^\n]*\n\s+at /) });
  });

  it("model:check exits 0 on a good directory and 1 with one line per problem", async () => {
    expect((await run(tsx, [tool("model-check"), dir])).stdout).toContain("ready to pack");
    fs.rmSync(path.join(dir, "config.json"));
    writeFiles(dir, { "code/inference.py": "def model_fn(d):\n    pass\n" });
    await expect(run(tsx, [tool("model-check"), dir])).rejects.toMatchObject({
      code: 1,
      stdout: `problem: ${dir}: config.json missing\nproblem: ${dir}: code/inference.py does not define input_fn, predict_fn, output_fn (or transform_fn)\n`,
    });
  });

  it("model:check reads the task from config.json and checks the task's own files", async () => {
    writeFiles(dir, { "config.json": JSON.stringify({ architectures: ["T5ForConditionalGeneration"] }) });
    await expect(run(tsx, [tool("model-check"), dir])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`problem: ${dir}: text2text-generation: spiece.model or tokenizer.json missing (the T5 tokenizer)`),
    });
  });

  it("model:check accepts a plain download without code/, naming the project code it will get", async () => {
    fs.rmSync(path.join(dir, "code"), { recursive: true });
    writeFiles(dir, { "config.json": JSON.stringify({ architectures: ["BertForQuestionAnswering"] }) });
    const { stdout } = await run(tsx, [tool("model-check"), dir]);
    expect(stdout).toContain(`warning: ${dir}: no code/inference.py: the project's question-answering code is packed with it`);
    expect(stdout).toContain(`${dir}: ready to pack (question-answering)`);
  });

  it("model:check --task refuses a task the architecture contradicts", async () => {
    writeFiles(dir, { "config.json": JSON.stringify({ architectures: ["BertForQuestionAnswering"] }) });
    await expect(run(tsx, [tool("model-check"), dir, "--task", "feature-extraction"])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining(
        "task feature-extraction contradicts the model: architecture BertForQuestionAnswering is a question-answering model",
      ),
    });
  });
});
