import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type ModelListing, packableEntries } from "./model-directory";
import { ARCHIVE_FORMAT, type PackOptions, type PackResult, packModelDirectory } from "./model-pack";

interface CacheRecord {
  format: string;
  source: string;
  sha256: string;
  bytes: number;
  files: number;
}

/**
 * packModelDirectory with a cache keyed by the sorted (path, size, mtime) list of files, so an
 * unchanged directory is not re-packed on every synth. Directories count by path only: the
 * archive stores no mtimes, and what changes a directory's mtime (an entry added, removed or
 * renamed) already changes the list. Older archives of the same source are removed.
 */
export async function packModelDirectoryCached(listing: ModelListing, cacheDir: string, opts: PackOptions = {}): Promise<PackResult> {
  const entries = packableEntries(listing);
  const source = path.resolve(listing.dir);
  const fingerprint = createHash("sha256").update(ARCHIVE_FORMAT);
  for (const entry of entries)
    fingerprint.update(JSON.stringify(entry.kind === "file" ? [entry.name, entry.size, entry.mtimeMs] : [entry.name]));
  const key = fingerprint.digest("hex").slice(0, 32);
  const archive = path.join(cacheDir, `${key}.tar.gz`);
  const recordFile = path.join(cacheDir, `${key}.json`);

  const cached = readCacheRecord(recordFile);
  if (cached && fs.statSync(archive, { throwIfNoEntry: false })?.size === cached.bytes) {
    return { path: archive, sha256: cached.sha256, bytes: cached.bytes, files: cached.files };
  }
  const result = await packModelDirectory(listing, archive, opts);
  for (const name of fs.readdirSync(cacheDir)) {
    const stale = name.endsWith(".json") && name !== `${key}.json` ? readCacheRecord(path.join(cacheDir, name)) : undefined;
    if (stale?.source === source) {
      fs.rmSync(path.join(cacheDir, name), { force: true });
      fs.rmSync(path.join(cacheDir, name.replace(/\.json$/, ".tar.gz")), { force: true });
    }
  }
  const record: CacheRecord = { format: ARCHIVE_FORMAT, source, sha256: result.sha256, bytes: result.bytes, files: result.files };
  fs.writeFileSync(recordFile, JSON.stringify(record));
  return result;
}

function readCacheRecord(file: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<CacheRecord>;
    const valid =
      record.format === ARCHIVE_FORMAT &&
      typeof record.source === "string" &&
      typeof record.sha256 === "string" &&
      typeof record.bytes === "number" &&
      typeof record.files === "number";
    return valid ? (record as CacheRecord) : undefined;
  } catch {
    return undefined; // missing or unreadable record: the directory is packed again
  }
}
