import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { list } from "tar";
import { listModelDirectory, ModelDirectoryError } from "../../lib/model-directory";
import { packModelDirectory } from "../../lib/model-pack";
import { packModelDirectoryCached } from "../../lib/model-pack-cache";
import { makeModelDirectory, tempDir, writeFiles } from "./fixtures";

interface ListedEntry {
  path: string;
  type: string;
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  size?: number;
}

async function listArchive(file: string): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  await list({
    file,
    onReadEntry: (entry) => {
      const { path: entryPath, type, mode, mtime, uid, gid, uname, gname, size } = entry;
      entries.push({ path: entryPath, type, mode, mtime, uid, gid, uname, gname, size });
    },
  });
  return entries;
}

const sha256 = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("packModelDirectory", () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = tempDir("pack");
    dir = makeModelDirectory(root);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("puts sorted files at the archive root with code/ included", async () => {
    const result = await packModelDirectory(listModelDirectory(dir), path.join(root, "model.tar.gz"));
    const entries = await listArchive(result.path);
    expect(entries.map((e) => e.path)).toEqual([
      "code/",
      "code/inference.py",
      "code/requirements.txt",
      "config.json",
      "model.safetensors",
      "tokenizer_config.json",
      "vocab.txt",
    ]);
    expect(result.files).toBe(6);
    expect(result.bytes).toBe(fs.statSync(result.path).size);
    expect(result.sha256).toBe(sha256(result.path));
  });

  it("normalises modes, owners and mtimes whatever the source metadata", async () => {
    fs.chmodSync(path.join(dir, "config.json"), 0o600);
    fs.chmodSync(path.join(dir, "code", "inference.py"), 0o775);
    fs.chmodSync(path.join(dir, "code"), 0o700);
    fs.utimesSync(path.join(dir, "vocab.txt"), new Date("2031-05-01"), new Date("2031-05-01"));
    const entries = await listArchive((await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"))).path);
    for (const entry of entries) {
      expect(entry.mode).toBe(entry.type === "Directory" ? 0o755 : 0o644);
      expect(entry.mtime?.getTime()).toBe(0);
      expect([entry.uid, entry.gid, entry.uname, entry.gname]).toEqual([0, 0, "root", "root"]);
    }
  });

  it("produces the same bytes on every run and after touching files", async () => {
    const first = await packModelDirectory(listModelDirectory(dir), path.join(root, "a.tar.gz"));
    fs.utimesSync(path.join(dir, "config.json"), new Date(), new Date("2020-01-01"));
    const second = await packModelDirectory(listModelDirectory(dir), path.join(root, "b.tar.gz"));
    expect(second.sha256).toBe(first.sha256);
    expect(fs.readFileSync(second.path).equals(fs.readFileSync(first.path))).toBe(true);
  });

  it("changes the digest when content changes", async () => {
    const first = await packModelDirectory(listModelDirectory(dir), path.join(root, "a.tar.gz"));
    writeFiles(dir, { "code/inference.py": "def transform_fn(model, data, ct, accept):\n    return data\n" });
    expect((await packModelDirectory(listModelDirectory(dir), path.join(root, "b.tar.gz"))).sha256).not.toBe(first.sha256);
  });

  it("writes a multi-member gzip without platform bytes that round-trips through tar -xzf", async () => {
    const { path: archive } = await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"));
    const bytes = fs.readFileSync(archive);
    expect([...bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    expect(bytes.indexOf(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]), 10)).toBeGreaterThan(0);

    const out = path.join(root, "extracted");
    fs.mkdirSync(out);
    execFileSync("tar", ["-xzf", archive, "-C", out]);
    for (const name of ["config.json", "vocab.txt", "model.safetensors", "code/inference.py"]) {
      expect(fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(path.join(dir, name)))).toBe(true);
    }
    expect(zlib.gunzipSync(bytes).length % 512).toBe(0);
  });

  it("is read by Python's tarfile, as SageMaker tooling does", async () => {
    const { path: archive } = await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"));
    const script = "import sys, tarfile; print(' '.join(m.name for m in tarfile.open(sys.argv[1])))";
    const names = execFileSync("python3", ["-c", script, archive], { encoding: "utf8" }).trim();
    expect(names).toBe("code code/inference.py code/requirements.txt config.json model.safetensors tokenizer_config.json vocab.txt");
  });

  it("stores random-like members and Huffman-codes the rest, both readable by tar and tarfile", async () => {
    const random = randomBytes(9 * 1024 * 1024);
    writeFiles(dir, { "model.safetensors": random, "tokenizer.json": '{"vocab": 1}'.repeat(100_000) });
    const { path: archive, bytes } = await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"));
    const tarBytes = zlib.gunzipSync(fs.readFileSync(archive)).length;
    // ~9 MiB stored (5 bytes per 64 KiB block + 18 per member), ~1.2 MB of JSON deflated.
    expect(bytes).toBeLessThan(random.length + 600_000);
    expect(bytes).toBeLessThan(tarBytes);

    const out = path.join(root, "extracted");
    fs.mkdirSync(out);
    execFileSync("tar", ["-xzf", archive, "-C", out]);
    expect(fs.readFileSync(path.join(out, "model.safetensors")).equals(random)).toBe(true);
    const script =
      "import sys, tarfile, hashlib; print(hashlib.sha256(tarfile.open(sys.argv[1]).extractfile('model.safetensors').read()).hexdigest())";
    const digest = execFileSync("python3", ["-c", script, archive], { encoding: "utf8" }).trim();
    expect(digest).toBe(createHash("sha256").update(random).digest("hex"));
  });

  it("reports progress up to the tar stream size", async () => {
    const calls: Array<[number, number]> = [];
    await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"), {
      onProgress: (done, total) => calls.push([done, total]),
    });
    expect(calls.length).toBeGreaterThan(2);
    const [done, total] = calls[calls.length - 1];
    expect(done).toBe(total);
    expect(total).toBe(zlib.gunzipSync(fs.readFileSync(path.join(root, "m.tar.gz"))).length);
  });

  it("leaves out caches, partial downloads and the repo's tests and README", async () => {
    writeFiles(dir, {
      "code/__pycache__/inference.cpython-311.pyc": "x",
      "tests/test_inference.py": "x",
      "README.md": "model card",
      "pytorch_model.bin.part": "partial",
      ".cache/huggingface/x": "x",
      "tokenizer/README.md": "kept: only the top-level README is left out",
    });
    const entries = await listArchive((await packModelDirectory(listModelDirectory(dir), path.join(root, "m.tar.gz"))).path);
    const names = entries.map((e) => e.path);
    expect(names).toContain("tokenizer/README.md");
    expect(names.filter((n) => /pycache|tests|^README|\.part|\.cache/.test(n))).toEqual([]);
  });

  it("refuses symlinks, naming the path, and leaves no output behind", async () => {
    fs.symlinkSync(path.join(dir, "config.json"), path.join(dir, "code", "linked.json"));
    const out = path.join(root, "m.tar.gz");
    const failure = packModelDirectory(listModelDirectory(dir), out);
    await expect(failure).rejects.toThrow(ModelDirectoryError);
    await expect(packModelDirectory(listModelDirectory(dir), out)).rejects.toThrow("code/linked.json (symlink)");
    expect(fs.readdirSync(root)).toEqual(["model"]);
  });

  it("refuses a missing directory", () => {
    expect(() => listModelDirectory(path.join(root, "nope"))).toThrow(/nope: not a directory/);
  });
});

describe("packModelDirectoryCached", () => {
  let root: string;
  let dir: string;
  let cacheDir: string;

  beforeEach(() => {
    root = tempDir("pack-cache");
    dir = makeModelDirectory(root, 100_000);
    cacheDir = path.join(root, "cache");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it("reuses the archive for an unchanged directory and repacks after a change", async () => {
    const progress = jest.fn();
    const first = await packModelDirectoryCached(listModelDirectory(dir), cacheDir, { onProgress: progress });
    expect(progress).toHaveBeenCalled();
    progress.mockClear();

    const again = await packModelDirectoryCached(listModelDirectory(dir), cacheDir, { onProgress: progress });
    expect(again).toEqual(first);
    expect(progress).not.toHaveBeenCalled();

    writeFiles(dir, { "config.json": '{"changed": true}' });
    const changed = await packModelDirectoryCached(listModelDirectory(dir), cacheDir);
    expect(changed.sha256).not.toBe(first.sha256);
    expect(changed.sha256).toBe(sha256(changed.path));
    expect(fs.existsSync(first.path)).toBe(false);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(
      [path.basename(changed.path), path.basename(changed.path).replace(".tar.gz", ".json")].sort(),
    );
  });

  it("repacks when the cached archive is gone", async () => {
    const first = await packModelDirectoryCached(listModelDirectory(dir), cacheDir);
    fs.rmSync(first.path);
    const again = await packModelDirectoryCached(listModelDirectory(dir), cacheDir);
    expect(again.sha256).toBe(first.sha256);
    expect(fs.existsSync(again.path)).toBe(true);
  });
});
