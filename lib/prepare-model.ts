import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ModelSource } from "../config/model-source";
import type { ModelArchive } from "../constructs/model-artifact";
import { inspectModelDirectory, packModelDirectoryCached } from "./model-archive";

export interface PreparedModel {
  readonly archive: ModelArchive;
  /** Set for Hub sources: the container downloads this model at start-up. */
  readonly hubModel?: { readonly modelId: string; readonly revision: string };
  readonly warnings: readonly string[];
}

export interface PrepareOptions {
  /** Where packed archives are cached between synths. */
  readonly cacheDir: string;
  /** `code/` shipped with a Hub model, so the same inference.py serves it. */
  readonly codeDir: string;
}

export class ModelSourceError extends Error {
  constructor(source: string, problems: readonly string[]) {
    super(
      `modelSource '${source}' cannot be deployed:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Fetch the weights with `npm run model:fetch -- <hub id>` (FinBERT: yiyanghkust/finbert-tone), " +
        "or let the container download them with MODEL_SOURCE=hub:<hub id>.",
    );
    this.name = "ModelSourceError";
  }
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    fs.createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** A directory holding only `code/`, for a Hub model whose weights the container downloads. */
function stageCodeOnly(codeDir: string, cacheDir: string): string {
  if (!fs.existsSync(path.join(codeDir, "inference.py"))) {
    throw new ModelSourceError(`hub code ${codeDir}`, [`${path.join(codeDir, "inference.py")} is missing`]);
  }
  const staged = path.join(cacheDir, "hub-code");
  fs.rmSync(staged, { recursive: true, force: true });
  fs.mkdirSync(staged, { recursive: true });
  fs.cpSync(codeDir, path.join(staged, "code"), { recursive: true, filter: (src) => !src.includes("__pycache__") });
  return staged;
}

/**
 * Turns a configured model source into an archive the stack can reference: packs (or reuses
 * the cached pack of) a directory, hashes a ready archive, passes an S3 object through.
 * Runs before any construct is built, so a bad source fails synth before anything is written.
 */
export async function prepareModel(source: ModelSource, opts: PrepareOptions): Promise<PreparedModel> {
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  switch (source.kind) {
    case "s3":
      return { archive: { kind: "s3", bucket: source.bucket, key: source.key }, warnings: [] };
    case "archive": {
      if (!fs.statSync(source.path, { throwIfNoEntry: false })?.isFile()) throw new ModelSourceError(source.path, ["no such file"]);
      return { archive: { kind: "local", path: path.resolve(source.path), sha256: await sha256OfFile(source.path) }, warnings: [] };
    }
    case "directory": {
      const { problems, warnings } = inspectModelDirectory(source.path);
      if (problems.length > 0) throw new ModelSourceError(source.path, problems);
      const packed = await packModelDirectoryCached(source.path, opts.cacheDir);
      return { archive: { kind: "local", path: packed.path, sha256: packed.sha256 }, warnings };
    }
    case "hub": {
      const packed = await packModelDirectoryCached(stageCodeOnly(opts.codeDir, opts.cacheDir), opts.cacheDir);
      return {
        archive: { kind: "local", path: packed.path, sha256: packed.sha256 },
        hubModel: { modelId: source.modelId, revision: source.revision },
        warnings: source.revision === "main" ? [`hub:${source.modelId} is not pinned; add @<commit sha> so a redeploy serves the same weights`] : [],
      };
    }
  }
}
