import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { fetchModel } from "../../lib/hub-fetch";
import { type FakeHub, type HubFile, startFakeHub } from "./fake-hub";
import { tempDir } from "./fixtures";

const REPO = "acme/finbert-mini";
const TOKEN = "hf_loopbacktoken";

function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff;
  return out;
}

const weights = bytes(300_000, 1);
const config = Buffer.from('{"id2label":{"0":"Neutral","1":"Positive","2":"Negative"}}');
const vocab = Buffer.from("[PAD]\n[UNK]\nprofit\n");

function standardRepo(): HubFile[] {
  return [
    { path: ".gitattributes", content: Buffer.from("*.bin filter=lfs") },
    { path: "README.md", content: Buffer.from("# model card") },
    { path: "config.json", content: config },
    { path: "vocab.txt", content: vocab },
    { path: "model.safetensors", content: weights, lfs: true },
    { path: "pytorch_model.bin", content: bytes(1000, 2), lfs: true },
    { path: "tf_model.h5", content: bytes(1000, 3), lfs: true },
    { path: "flax_model.msgpack", content: bytes(1000, 4), lfs: true },
    { path: "rust_model.ot", content: bytes(1000, 5), lfs: true },
    { path: "onnx/model.onnx", content: bytes(1000, 6), lfs: true },
    { path: "code/inference.py", content: Buffer.from("print('from the hub')") },
  ];
}

describe("fetchModel against a loopback Hub", () => {
  let root: string;
  let dir: string;
  let hub: FakeHub | undefined;

  beforeEach(() => {
    root = tempDir("fetch");
    dir = path.join(root, "model");
    fs.mkdirSync(path.join(dir, "code"), { recursive: true });
    fs.writeFileSync(path.join(dir, "code", "inference.py"), "# ours");
    fs.writeFileSync(path.join(dir, "README.md"), "# our docs");
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  const fetch = (extra: { accessToken?: string } = {}) => fetchModel({ repo: REPO, dir, hubUrl: hub?.url, ...extra });

  it("prefers safetensors, skips other frameworks, leaves code/ and README.md alone", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    const summary = await fetch();
    expect(summary.downloaded.sort()).toEqual(["config.json", "model.safetensors", "vocab.txt"]);
    expect(summary.ignored.sort()).toEqual(
      [
        ".gitattributes",
        "README.md",
        "code/inference.py",
        "flax_model.msgpack",
        "onnx/model.onnx",
        "pytorch_model.bin",
        "rust_model.ot",
        "tf_model.h5",
      ].sort(),
    );
    expect(fs.readFileSync(path.join(dir, "model.safetensors")).equals(weights)).toBe(true);
    expect(fs.lstatSync(path.join(dir, "model.safetensors")).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dir, "code", "inference.py"), "utf8")).toBe("# ours");
    expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toBe("# our docs");
    expect(fs.readdirSync(dir).sort()).toEqual(["README.md", "code", "config.json", "model.safetensors", "vocab.txt"]);
  });

  it("falls back to pickled weights when the repo has no safetensors", async () => {
    const bin = bytes(5000, 9);
    hub = await startFakeHub(REPO, "v1", [
      { path: "config.json", content: config },
      { path: "pytorch_model.bin", content: bin, lfs: true },
    ]);
    const summary = await fetchModel({ repo: REPO, dir, hubUrl: hub.url, revision: "v1" });
    expect(summary.downloaded.sort()).toEqual(["config.json", "pytorch_model.bin"]);
    expect(fs.readFileSync(path.join(dir, "pytorch_model.bin")).equals(bin)).toBe(true);
  });

  it("sends the token as a bearer on listing and downloads", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    await fetch({ accessToken: TOKEN });
    expect(hub.requests.length).toBeGreaterThan(3);
    for (const request of hub.requests) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("skips files that are already complete", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    await fetch();
    hub.requests.length = 0;
    const summary = await fetch();
    expect(summary.downloaded).toEqual([]);
    expect(summary.upToDate.sort()).toEqual(["config.json", "model.safetensors", "vocab.txt"]);
    expect(hub.requests.filter((r) => r.url.includes("/resolve/"))).toEqual([]);
  });

  it("re-downloads a complete-sized file whose content is wrong", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    fs.writeFileSync(path.join(dir, "config.json"), Buffer.alloc(config.length, 0x20));
    const summary = await fetch();
    expect(summary.downloaded).toContain("config.json");
    expect(fs.readFileSync(path.join(dir, "config.json")).equals(config)).toBe(true);
  });

  it("resumes an interrupted download with a Range request", async () => {
    const files = standardRepo();
    const safetensors = files.find((f) => f.path === "model.safetensors");
    if (!safetensors) throw new Error("fixture");
    safetensors.dropAfter = 120_000;
    hub = await startFakeHub(REPO, "main", files);

    await expect(fetch()).rejects.toThrow();
    const part = path.join(dir, "model.safetensors.part");
    const partial = fs.statSync(part).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(weights.length);
    expect(fs.existsSync(path.join(dir, "model.safetensors"))).toBe(false);

    hub.requests.length = 0;
    await fetch();
    expect(fs.readFileSync(path.join(dir, "model.safetensors")).equals(weights)).toBe(true);
    expect(fs.existsSync(part)).toBe(false);
    const ranged = hub.requests.filter((r) => r.url.endsWith("/model.safetensors") && r.range !== "bytes=0-0");
    expect(ranged.map((r) => r.range)).toEqual([`bytes=${partial}-${weights.length - 1}`]);
  });

  it("rejects a download whose size differs from the listing", async () => {
    const files = standardRepo();
    Object.assign(files.find((f) => f.path === "model.safetensors") ?? {}, { listedSize: weights.length - 10 });
    hub = await startFakeHub(REPO, "main", files);
    await expect(fetch()).rejects.toThrow(/model\.safetensors: size mismatch/);
    expect(fs.existsSync(path.join(dir, "model.safetensors"))).toBe(false);
  });

  it("rejects and discards content whose sha256 differs from the LFS oid", async () => {
    const files = standardRepo();
    Object.assign(files.find((f) => f.path === "model.safetensors") ?? {}, { listedSha256: "0".repeat(64) });
    hub = await startFakeHub(REPO, "main", files);
    await expect(fetch()).rejects.toThrow(/model\.safetensors: sha256 mismatch/);
    expect(fs.existsSync(path.join(dir, "model.safetensors"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "model.safetensors.part"))).toBe(false);
  });

  it("runs as npm run model:fetch with HF_ENDPOINT and HF_TOKEN", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
    const cli = path.join(__dirname, "..", "..", "tools", "model-fetch.ts");
    const { stdout } = await promisify(execFile)(tsx, [cli, REPO, "--dir", dir], {
      env: { ...process.env, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN },
    });
    expect(stdout).toContain("downloaded  model.safetensors");
    expect(stdout).toContain("skipped     pytorch_model.bin");
    expect(hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(fs.readFileSync(path.join(dir, "model.safetensors")).equals(weights)).toBe(true);
  });

  it("says which host it could not reach and why, not just 'fetch failed'", async () => {
    hub = await startFakeHub(REPO, "main", standardRepo());
    const closedUrl = hub.url;
    await hub.close();
    hub = undefined;
    const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
    const cli = path.join(__dirname, "..", "..", "tools", "model-fetch.ts");

    const failed = await promisify(execFile)(tsx, [cli, REPO, "--dir", dir], { env: { ...process.env, HF_ENDPOINT: closedUrl } }).then(
      () => undefined,
      (error: { stderr: string; code: number }) => error,
    );

    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      `model:fetch: cannot reach ${new URL(closedUrl).host}: connect ECONNREFUSED ${new URL(closedUrl).host}`,
    );
  });
});
