import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "./errors";

export class ModelDirectoryError extends UserError {}

/** Never packed: build/test leftovers and partial downloads that would make the archive unstable. */
const EXCLUDED_NAMES = new Set(["__pycache__", ".git", ".cache", ".DS_Store", ".gitattributes", ".ipynb_checkpoints"]);
const EXCLUDED_SUFFIXES = [".pyc", ".part"];
/** The repo's model/ folder also holds the Python tests, every task's handler code (model/tasks) and its README. */
const EXCLUDED_AT_ROOT = new Set(["tests", "tasks", "README.md"]);

export interface ModelEntry {
  /** POSIX path inside the archive, no leading "./"; directories end with "/". */
  readonly name: string;
  readonly absolute: string;
  readonly kind: "file" | "directory";
  readonly size: number;
  readonly mtimeMs: number;
}

/** One walk of a model directory, shared by the checks, the pack cache and the packer. */
export interface ModelListing {
  readonly dir: string;
  /** What would be packed, depth-first with names sorted at every level. */
  readonly entries: readonly ModelEntry[];
  /** Paths (relative) that are neither regular files nor directories, with what they are. */
  readonly refused: readonly string[];
  /** Interrupted downloads (`*.part`) at the top level; never packed. */
  readonly partial: readonly string[];
}

function isExcluded(name: string, atRoot: boolean): boolean {
  return EXCLUDED_NAMES.has(name) || EXCLUDED_SUFFIXES.some((suffix) => name.endsWith(suffix)) || (atRoot && EXCLUDED_AT_ROOT.has(name));
}

/** Walks `dir` once, with names sorted at every level, so the order never depends on the file system. */
export function listModelDirectory(dir: string): ModelListing {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ModelDirectoryError(`${dir}: not a directory`);
  }
  const entries: ModelEntry[] = [];
  const refused: string[] = [];
  const partial: string[] = [];
  const visit = (absoluteDir: string, prefix: string): void => {
    for (const name of fs.readdirSync(absoluteDir).sort()) {
      if (prefix === "" && name.endsWith(".part")) partial.push(name);
      if (isExcluded(name, prefix === "")) continue;
      const absolute = path.join(absoluteDir, name);
      const relative = prefix + name;
      const stat = fs.lstatSync(absolute);
      if (stat.isDirectory()) {
        entries.push({ name: `${relative}/`, absolute, kind: "directory", size: 0, mtimeMs: stat.mtimeMs });
        visit(absolute, `${relative}/`);
      } else if (stat.isFile()) {
        entries.push({ name: relative, absolute, kind: "file", size: stat.size, mtimeMs: stat.mtimeMs });
      } else {
        refused.push(`${relative} (${stat.isSymbolicLink() ? "symlink" : "not a regular file"})`);
      }
    }
  };
  visit(dir, "");
  return { dir, entries, refused, partial };
}

/** The entries to pack; throws when any path cannot be packed. */
export function packableEntries(listing: ModelListing): readonly ModelEntry[] {
  if (listing.refused.length > 0) {
    throw new ModelDirectoryError(
      `${listing.dir}: only regular files can be packed (SageMaker needs real files, e.g. not a Hub cache): ${listing.refused.join(", ")}`,
    );
  }
  return listing.entries;
}
