import * as fs from "node:fs";
import * as path from "node:path";
import { checkModelDirectory } from "../../lib/model-check";
import { makeModelDirectory, tempDir, writeFiles } from "./fixtures";

describe("checkModelDirectory", () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = tempDir("check");
    dir = makeModelDirectory(root, 1000);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const remove = (name: string): void => fs.rmSync(path.join(dir, name), { recursive: true });

  it("accepts a complete directory", () => {
    expect(checkModelDirectory(dir)).toMatchObject({ problems: [], warnings: [] });
  });

  it("accepts the repo's own inference.py", () => {
    fs.copyFileSync(path.join(__dirname, "..", "..", "model", "code", "inference.py"), path.join(dir, "code", "inference.py"));
    expect(checkModelDirectory(dir).problems).toEqual([]);
  });

  it("reports a missing directory", () => {
    expect(checkModelDirectory(path.join(root, "nope")).problems).toEqual([`${path.join(root, "nope")}: not a directory`]);
  });

  it("reports a missing config.json", () => {
    remove("config.json");
    expect(checkModelDirectory(dir).problems).toEqual(["config.json missing"]);
  });

  it("points at a wrapping folder", () => {
    const nested = path.join(root, "outer");
    fs.mkdirSync(nested);
    fs.renameSync(dir, path.join(nested, "finbert"));
    expect(checkModelDirectory(nested).problems).toEqual(expect.arrayContaining([expect.stringContaining("found finbert/config.json")]));
  });

  it("reports missing tokenizer files", () => {
    remove("vocab.txt");
    expect(checkModelDirectory(dir).problems).toEqual([expect.stringMatching(/^no tokenizer files/)]);
  });

  it("reports missing weights", () => {
    remove("model.safetensors");
    expect(checkModelDirectory(dir).problems).toEqual([expect.stringMatching(/^no weights/)]);
  });

  it("warns about pickled weights only", () => {
    remove("model.safetensors");
    writeFiles(dir, { "pytorch_model.bin": "pickle" });
    const { problems, warnings } = checkModelDirectory(dir);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining("pickled (pytorch_model.bin)")]);
  });

  it("does not warn when safetensors sit next to a .bin", () => {
    writeFiles(dir, { "pytorch_model.bin": "pickle" });
    expect(checkModelDirectory(dir).warnings).toEqual([]);
  });

  it("reports shards missing from a safetensors index", () => {
    writeFiles(dir, {
      "model.safetensors.index.json": JSON.stringify({
        weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" },
      }),
      "model-00001-of-00002.safetensors": "x",
    });
    expect(checkModelDirectory(dir).problems).toEqual([
      "model.safetensors.index.json lists model-00002-of-00002.safetensors, which is missing",
    ]);
  });

  it.each([
    ["truncated JSON", '{"weight_map": {"a": "model-0000', /^model\.safetensors\.index\.json: not valid JSON \(.+\); re-fetch it/],
    ["no weight_map", "{}", /^model\.safetensors\.index\.json: has no "weight_map" object; re-fetch it/],
    ["an empty weight_map", '{"weight_map": {}}', /^model\.safetensors\.index\.json: "weight_map" is empty; re-fetch it/],
    ["a non-string shard", '{"weight_map": {"a": 1}}', /^model\.safetensors\.index\.json: "weight_map" values must be shard file names/],
  ])("reports a corrupt safetensors index (%s)", (_case, content, problem) => {
    writeFiles(dir, { "model.safetensors.index.json": content });
    const { problems } = checkModelDirectory(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it("reports a missing code/inference.py, and one at the top level", () => {
    remove("code/inference.py");
    expect(checkModelDirectory(dir).problems).toEqual(["code/inference.py missing"]);
    writeFiles(dir, { "inference.py": "" });
    expect(checkModelDirectory(dir).problems).toEqual(["inference.py is at the top level; it must be code/inference.py"]);
  });

  it("reports handler functions that are not defined", () => {
    writeFiles(dir, { "code/inference.py": "def model_fn(d):\n    pass\n\n    def input_fn(b, c):\n        pass\n" });
    expect(checkModelDirectory(dir).problems).toEqual([
      "code/inference.py does not define input_fn, predict_fn, output_fn (or transform_fn)",
    ]);
  });

  it("accepts transform_fn alone and rejects it mixed with input_fn", () => {
    writeFiles(dir, { "code/inference.py": "def transform_fn(model, data, content_type, accept):\n    return data\n" });
    expect(checkModelDirectory(dir).problems).toEqual([]);
    writeFiles(dir, { "code/inference.py": "def transform_fn(m, d, c, a):\n    pass\ndef input_fn(b, c):\n    pass\n" });
    expect(checkModelDirectory(dir).problems).toEqual([expect.stringContaining("transform_fn together with input_fn")]);
  });

  it("reports symlinks by path", () => {
    fs.symlinkSync("/etc/hostname", path.join(dir, "tokenizer.json"));
    expect(checkModelDirectory(dir).problems).toEqual([
      "tokenizer.json (symlink): only regular files can be packed; copy the real file in",
    ]);
  });

  it("reports partial downloads", () => {
    writeFiles(dir, { "model.safetensors.part": "x" });
    expect(checkModelDirectory(dir).problems).toEqual(["model.safetensors.part: incomplete download; rerun npm run model:fetch"]);
  });

  it("warns when requirements.txt installs packages", () => {
    writeFiles(dir, { "code/requirements.txt": "# comment\nscipy==1.13.0\n" });
    expect(checkModelDirectory(dir).warnings).toEqual([expect.stringContaining("pip-installed at endpoint start-up")]);
  });
});
