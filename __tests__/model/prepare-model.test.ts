import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type PreparedModel, prepareModel } from "../../lib/prepare-model";

const CODE_DIR = path.resolve(__dirname, "..", "..", "model", "code");
const HUB = { kind: "hub", modelId: "yiyanghkust/finbert-tone", revision: "main" } as const;

function archiveMtime(model: PreparedModel): number {
  if (model.archive.kind !== "local") throw new Error("expected a local archive");
  return fs.statSync(model.archive.path).mtimeMs;
}

test("a Hub source ships the repo's code/ and does not re-pack it while it is unchanged", async () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-"));
  try {
    const first = await prepareModel(HUB, { cacheDir, codeDir: CODE_DIR });
    const packedAt = archiveMtime(first);
    const second = await prepareModel(HUB, { cacheDir, codeDir: CODE_DIR });
    expect(second.archive).toEqual(first.archive);
    expect(archiveMtime(second)).toBe(packedAt);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
