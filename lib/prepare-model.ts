import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ModelSource } from "../config/model-source";
import type { ModelArchive } from "../constructs/model-artifact";
import { checkModelDirectory } from "./model-check";
import { listModelDirectory, type ModelListing } from "./model-directory";
import { packModelDirectoryCached } from "./model-pack-cache";
import { UserError } from "./errors";
import { list } from "tar";
import {
  type ModelDirectoryFacts,
  type Task,
  TaskMismatchError,
  architecturesOf,
  inferTask,
  resolveTask,
  taskCodeFiles,
  taskFileProblems,
} from "./tasks";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** A task's inference code in this project: archive path -> file. */
export function projectCodeFiles(task: Task): Record<string, string> {
  return Object.fromEntries(Object.entries(taskCodeFiles(task)).map(([name, file]) => [name, path.join(PROJECT_ROOT, file)]));
}

/** What a model directory's config.json and file list say about its task; undefined without a readable config.json. */
export function modelDirectoryFacts(dir: string): ModelDirectoryFacts | undefined {
  let configJson: string;
  try {
    configJson = fs.readFileSync(path.join(dir, "config.json"), "utf8");
  } catch {
    return undefined;
  }
  const names = fs.readdirSync(dir, { recursive: true }) as string[];
  const files = new Set(names.filter((name) => fs.statSync(path.join(dir, name)).isFile()).map((name) => name.split(path.sep).join("/")));
  try {
    return { architectures: architecturesOf(configJson), files };
  } catch {
    // Not JSON: packing reports it; the task cannot be read from it.
    return { architectures: [], files };
  }
}

export interface PreparedModel {
  readonly archive: ModelArchive;
  /** Set for Hub sources: the container downloads this model at start-up. */
  readonly hubModel?: { readonly modelId: string; readonly revision: string };
  readonly warnings: readonly string[];
}

export interface PrepareModelOptions {
  /** Where packed archives are cached between synths. */
  readonly cacheDir: string;
  /**
   * The task's inference code, archive path -> file (`code/inference.py` -> …): shipped with a Hub
   * model, and added to a model directory that has no `code/inference.py` of its own.
   */
  readonly codeFiles: Readonly<Record<string, string>>;
  /** Names this model's staging directories, so that services do not share them. */
  readonly stagingName: string;
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

function copyCode(codeFiles: Readonly<Record<string, string>>, into: string): void {
  for (const [name, file] of Object.entries(codeFiles)) {
    if (!fs.existsSync(file)) throw new ModelSourceError(`task code ${file}`, [`${file} is missing`]);
    fs.mkdirSync(path.dirname(path.join(into, name)), { recursive: true });
    // Kept mtimes keep the packer's cache key stable: unchanged code is not re-packed every synth.
    fs.cpSync(file, path.join(into, name), { preserveTimestamps: true });
  }
}

/** A directory holding only `code/`, for a Hub model whose weights the container downloads. */
function stageCodeOnly(codeFiles: Readonly<Record<string, string>>, staged: string): string {
  fs.rmSync(staged, { recursive: true, force: true });
  fs.mkdirSync(staged, { recursive: true });
  copyCode(codeFiles, staged);
  return staged;
}

/**
 * A model directory without `code/inference.py` (a plain Hub download) with its task's code added:
 * the model's files hard-linked (copied across file systems), so staging costs no space or time.
 */
export function withTaskCode(dir: string, codeFiles: Readonly<Record<string, string>>, staged: string): string {
  if (fs.existsSync(path.join(dir, "code", "inference.py"))) return dir;
  fs.rmSync(staged, { recursive: true, force: true });
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const from = path.join(dir, name);
    const to = path.join(staged, name);
    const stat = fs.lstatSync(from);
    if (stat.isDirectory()) {
      fs.mkdirSync(to, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (!stat.isFile()) {
      // Copied as what it is, so the packer refuses it by name as it would in the original.
      fs.symlinkSync(fs.readlinkSync(from), to);
      continue;
    }
    try {
      fs.linkSync(from, to);
    } catch {
      fs.cpSync(from, to, { preserveTimestamps: true });
    }
  }
  copyCode(codeFiles, staged);
  return staged;
}

export interface TaskModelCheck {
  /** As given, else as config.json tells; undefined when neither does. */
  readonly task?: Task;
  /** The directory to serve or pack: `dir`, or the staged copy with the task's code. */
  readonly servedDir: string;
  readonly problems: string[];
  readonly warnings: string[];
}

/**
 * What a ready `.tar.gz` archive's config.json and member list say about its task; undefined when
 * it cannot be read or holds no config.json at its root. Reads the archive once, synchronously.
 */
export function modelArchiveFacts(file: string): ModelDirectoryFacts | undefined {
  const files = new Set<string>();
  const chunks: Buffer[] = [];
  try {
    list({
      file,
      sync: true,
      onReadEntry: (entry) => {
        const name = entry.path.replace(/^\.\//, "");
        if (entry.type !== "File") return;
        files.add(name);
        if (name === "config.json") entry.on("data", (chunk: Buffer) => chunks.push(chunk));
      },
    });
  } catch {
    return undefined;
  }
  if (!files.has("config.json")) return undefined;
  try {
    return { architectures: architecturesOf(Buffer.concat(chunks).toString("utf8")), files };
  } catch {
    return { architectures: [], files };
  }
}

/**
 * `model:check` and local mode: the packer's checks on what would be served (the task's code
 * added where the directory has no code/inference.py), plus the files the task itself needs.
 * `scratch` receives the staged copy.
 */
export function checkModelForTask(dir: string, task: Task | undefined, scratch: string): TaskModelCheck {
  const facts = modelDirectoryFacts(dir);
  let resolved = task;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (facts !== undefined) {
    try {
      resolved = task === undefined ? inferTask(facts) : resolveTask(task, facts, dir);
    } catch (e) {
      if (!(e instanceof TaskMismatchError)) throw e;
      problems.push(e.message);
    }
    if (resolved !== undefined) problems.push(...taskFileProblems(resolved, facts.files));
  }
  if (resolved === undefined && facts !== undefined)
    warnings.push("the task is not known (config.json names no architecture this app reads); give it to check the task's files");
  const served =
    resolved !== undefined && fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()
      ? withTaskCode(dir, projectCodeFiles(resolved), scratch)
      : dir;
  if (served !== dir) warnings.push(`no code/inference.py: the project's ${resolved} code is packed with it`);
  const inspected = checkModelDirectory(served);
  return {
    task: resolved,
    servedDir: served,
    problems: [...inspected.problems, ...problems],
    warnings: [...inspected.warnings, ...warnings],
  };
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
      if (!fs.statSync(source.path, { throwIfNoEntry: false })?.isDirectory())
        throw new ModelSourceError(source.path, [`${source.path}: not a directory`]);
      const dir = withTaskCode(source.path, opts.codeFiles, path.join(opts.cacheDir, "staged", opts.stagingName));
      const { listing, problems, warnings } = checkModelDirectory(dir);
      if (!listing || problems.length > 0) throw new ModelSourceError(source.path, problems);
      return {
        archive: await packed(listing, opts.cacheDir),
        warnings:
          dir === source.path
            ? warnings
            : [...warnings, "no code/inference.py: the task's inference code from this project is packed with it"],
      };
    }
    case "hub": {
      return {
        archive: await packed(
          listModelDirectory(stageCodeOnly(opts.codeFiles, path.join(opts.cacheDir, "hub-code", opts.stagingName))),
          opts.cacheDir,
        ),
        hubModel: { modelId: source.modelId, revision: source.revision },
        warnings:
          source.revision === "main"
            ? [`hub:${source.modelId} is not pinned; add @<commit sha> so a redeploy serves the same weights`]
            : [],
      };
    }
  }
}
