import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { list } from "tar";
import { type PreparedModel, prepareModel } from "../../lib/prepare-model";

const CODE_FILES = { "code/inference.py": path.resolve(__dirname, "..", "..", "model", "code", "inference.py") };
const HUB = { kind: "hub", modelId: "yiyanghkust/finbert-tone", revision: "main" } as const;

function archiveMtime(model: PreparedModel): number {
  if (model.archive.kind !== "local") throw new Error("expected a local archive");
  return fs.statSync(model.archive.path).mtimeMs;
}

test("a Hub source ships the repo's code/ and does not re-pack it while it is unchanged", async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-"));
  try {
    const first = await prepareModel(HUB, { cacheDir, codeFiles: CODE_FILES, stagingName: "default" });
    const packedAt = archiveMtime(first);
    const second = await prepareModel(HUB, { cacheDir, codeFiles: CODE_FILES, stagingName: "default" });
    expect(second.archive).toEqual(first.archive);
    expect(archiveMtime(second)).toBe(packedAt);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

describe("a model directory without code/", () => {
  const made: string[] = [];
  const tempDir = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  const REPO = path.resolve(__dirname, "..", "..");
  const QA_CODE = {
    "code/inference.py": path.join(REPO, "model", "tasks", "question-answering", "inference.py"),
    "code/task_common.py": path.join(REPO, "model", "tasks", "task_common.py"),
  };

  async function archivedFiles(model: PreparedModel): Promise<Map<string, string>> {
    if (model.archive.kind !== "local") throw new Error("expected a local archive");
    const files = new Map<string, string>();
    await list({
      file: model.archive.path,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on("data", (chunk: Buffer) => chunks.push(chunk));
        entry.on("end", () => files.set(entry.path, Buffer.concat(chunks).toString("utf8")));
      },
    });
    return files;
  }

  function plainDownload(): string {
    const dir = tempDir("plain-model-");
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["BertForQuestionAnswering"] }));
    fs.writeFileSync(path.join(dir, "vocab.txt"), "[PAD]\n[UNK]\n");
    fs.writeFileSync(path.join(dir, "model.safetensors"), "weights");
    return dir;
  }

  test("is packed with its task's inference code from the project", async () => {
    const dir = plainDownload();
    const cacheDir = tempDir("prepare-");
    const model = await prepareModel({ kind: "directory", path: dir }, { cacheDir, codeFiles: QA_CODE, stagingName: "qa" });
    const files = await archivedFiles(model);
    expect([...files.keys()].sort()).toEqual([
      "code/",
      "code/inference.py",
      "code/task_common.py",
      "config.json",
      "model.safetensors",
      "vocab.txt",
    ]);
    expect(files.get("code/inference.py")).toBe(fs.readFileSync(QA_CODE["code/inference.py"], "utf8"));
    expect(model.warnings).toContain("no code/inference.py: the task's inference code from this project is packed with it");
  });

  test("is not re-packed while nothing changed", async () => {
    const dir = plainDownload();
    const cacheDir = tempDir("prepare-");
    const first = await prepareModel({ kind: "directory", path: dir }, { cacheDir, codeFiles: QA_CODE, stagingName: "qa" });
    const packedAt = archiveMtime(first);
    const second = await prepareModel({ kind: "directory", path: dir }, { cacheDir, codeFiles: QA_CODE, stagingName: "qa" });
    expect(second.archive).toEqual(first.archive);
    expect(archiveMtime(second)).toBe(packedAt);
  });

  test("a directory with its own code/inference.py keeps it", async () => {
    const dir = plainDownload();
    fs.mkdirSync(path.join(dir, "code"));
    fs.writeFileSync(
      path.join(dir, "code", "inference.py"),
      "def model_fn(d):\n  return d\ndef input_fn(b, c):\n  return b\ndef predict_fn(x, m):\n  return x\ndef output_fn(p, a):\n  return p\n",
    );
    const cacheDir = tempDir("prepare-");
    const files = await archivedFiles(
      await prepareModel({ kind: "directory", path: dir }, { cacheDir, codeFiles: QA_CODE, stagingName: "qa" }),
    );
    expect(files.get("code/inference.py")).toContain("def model_fn(d):");
    expect(files.has("code/task_common.py")).toBe(false);
  });
});
