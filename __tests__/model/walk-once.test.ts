import * as fs from "node:fs";
import * as path from "node:path";
import { prepareModel } from "../../lib/prepare-model";
import { makeModelDirectory, tempDir } from "./fixtures";

// Every module of this test file sees this fs, so each directory read of the model is counted.
jest.mock("node:fs", () => {
  const actual = jest.requireActual<typeof fs>("node:fs");
  return { ...actual, readdirSync: jest.fn(actual.readdirSync) };
});

const CODE_FILES = { "code/inference.py": path.resolve(__dirname, "..", "..", "model", "code", "inference.py") };

test("a directory source is read once for the checks, the cache key and the archive", async () => {
  const root = tempDir("walk-once");
  try {
    const dir = makeModelDirectory(root, 10_000);
    const reads = fs.readdirSync as unknown as jest.Mock;
    reads.mockClear();
    const prepared = await prepareModel(
      { kind: "directory", path: dir },
      { cacheDir: path.join(root, "cache"), codeFiles: CODE_FILES, stagingName: "default" },
    );
    expect(prepared.archive.kind).toBe("local");
    expect(reads.mock.calls.filter(([read]) => read === dir)).toHaveLength(1);
    expect(reads.mock.calls.filter(([read]) => read === path.join(dir, "code"))).toHaveLength(1);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
