import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ModelSource } from "../config/model-source";
import type { ModelArchive } from "../constructs/model-artifact";
import { checkModelDirectory } from "./model-check";
import { listModelDirectory, type ModelListing } from "./model-directory";
import { packModelDirectoryCached } from "./model-pack-cache";
import { UserError } from "./errors";

export interface PreparedModel {
  readonly archive: ModelArchive;
  /** Set for Hub sources: the container downloads this model at start-up. */
  readonly hubModel?: { readonly modelId: string; readonly revision: string };
  readonly warnings: readonly string[];
}

export interface PrepareModelOptions {
  /** Where packed archives are cached between synths. */
  readonly cacheDir: string;
  /** `code/` shipped with a Hub model, so the same inference.py serves it. */
  readonly codeDir: string;
}

export class ModelSourceError extends UserError {
  constructor(source: string, problems: readonly string[]) {
    super(
      `modelSource '${source}' cannot be deployed:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Fetch the weights with `npm run model:fetch -- <hub id>` (FinBERT: yiyanghkust/finbert-tone), " +
        "or let the container download them with MODEL_SOURCE=hub:<hub id>.",
    );
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

/**
 * Gives a packed archive a path named by its content (hard link, no copy), so the synthesized
 * asset path is the same on every machine whatever the cache key.
 */
function contentAddressed(archive: string, sha256: string, cacheDir: string): string {
  const root = path.join(cacheDir, "by-sha256");
  const target = path.join(root, sha256, "model.tar.gz");
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.linkSync(archive, target);
    } catch {
      fs.copyFileSync(archive, target); // no hard links here (another device, or a file system without them)
    }
  }
  // A link whose cache original was evicted is the only copy of a stale archive: drop it.
  for (const other of fs.readdirSync(root).filter((name) => name !== sha256)) {
    const file = path.join(root, other, "model.tar.gz");
    if ((fs.statSync(file, { throwIfNoEntry: false })?.nlink ?? 1) === 1)
      fs.rmSync(path.join(root, other), { recursive: true, force: true });
  }
  return target;
}

async function packed(listing: ModelListing, cacheDir: string): Promise<ModelArchive> {
  const result = await packModelDirectoryCached(listing, cacheDir);
  return { kind: "local", path: contentAddressed(result.path, result.sha256, cacheDir), sha256: result.sha256 };
}

/** A directory holding only `code/`, for a Hub model whose weights the container downloads. */
function stageCodeOnly(codeDir: string, cacheDir: string): string {
  if (!fs.existsSync(path.join(codeDir, "inference.py"))) {
    throw new ModelSourceError(`hub code ${codeDir}`, [`${path.join(codeDir, "inference.py")} is missing`]);
  }
  const staged = path.join(cacheDir, "hub-code");
  fs.rmSync(staged, { recursive: true, force: true });
  fs.mkdirSync(staged, { recursive: true });
  // Kept mtimes keep the packer's cache key stable: unchanged code is not re-packed every synth.
  fs.cpSync(codeDir, path.join(staged, "code"), {
    recursive: true,
    preserveTimestamps: true,
    filter: (src) => !src.includes("__pycache__"),
  });
  return staged;
}

/**
 * Turns a configured model source into an archive the stack can reference: packs (or reuses
 * the cached pack of) a directory, hashes a ready archive, passes an S3 object through.
 * Runs before any construct is built, so a bad source fails synth before anything is written.
 */
export async function prepareModel(source: ModelSource, opts: PrepareModelOptions): Promise<PreparedModel> {
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  switch (source.kind) {
    case "s3":
      return { archive: { kind: "s3", bucket: source.bucket, key: source.key }, warnings: [] };
    case "archive": {
      if (!fs.statSync(source.path, { throwIfNoEntry: false })?.isFile()) throw new ModelSourceError(source.path, ["no such file"]);
      return { archive: { kind: "local", path: path.resolve(source.path), sha256: await sha256OfFile(source.path) }, warnings: [] };
    }
    case "directory": {
      const { listing, problems, warnings } = checkModelDirectory(source.path);
      if (!listing || problems.length > 0) throw new ModelSourceError(source.path, problems);
      return { archive: await packed(listing, opts.cacheDir), warnings };
    }
    case "hub": {
      return {
        archive: await packed(listModelDirectory(stageCodeOnly(opts.codeDir, opts.cacheDir)), opts.cacheDir),
        hubModel: { modelId: source.modelId, revision: source.revision },
        warnings:
          source.revision === "main"
            ? [`hub:${source.modelId} is not pinned; add @<commit sha> so a redeploy serves the same weights`]
            : [],
      };
    }
  }
}
