import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { create } from "tar";
import { HubFetchError } from "../../lib/hub-fetch";
import { archiveModelSize, directoryModelSize, hubModelSize, ModelSizeError, weightsFiles } from "../../lib/model-size";
import { type FakeHub, startFakeHub } from "./fake-hub";
import { makeModelDirectory, tempDir, writeFiles } from "./fixtures";

const REPO = "acme/t5-mini";

describe("weightsFiles", () => {
  test("counts the safetensors files where there are any, as transformers loads them first", () => {
    const files = [
      { name: "model-00001-of-00002.safetensors", size: 10 },
      { name: "model-00002-of-00002.safetensors", size: 5 },
      { name: "pytorch_model.bin", size: 15 },
      { name: "config.json", size: 1 },
    ];
    expect(weightsFiles(files).map((f) => f.name)).toEqual(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
  });

  test("counts pickled weights without safetensors, but never training state or code/", () => {
    const files = [
      { name: "pytorch_model.bin", size: 15 },
      { name: "training_args.bin", size: 3 },
      { name: "optimizer.pt", size: 30 },
      { name: "code/helper.pt", size: 2 },
    ];
    expect(weightsFiles(files).map((f) => f.name)).toEqual(["pytorch_model.bin"]);
  });
});

describe("model size from a directory and an archive", () => {
  let root: string;
  beforeEach(() => {
    root = tempDir("model-size");
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("a model directory's size is its weights files' size", () => {
    const dir = makeModelDirectory(root, 3_000_000);
    writeFiles(dir, { "pytorch_model.bin": Buffer.alloc(7_000) });
    expect(directoryModelSize(dir)).toEqual({ bytes: 3_000_000, files: ["model.safetensors"], from: `model.safetensors in ${dir}` });
  });

  test("a packed archive's size is read from its listing", async () => {
    const dir = makeModelDirectory(root, 2_500_000);
    const archive = path.join(root, "model.tar.gz");
    await create({ file: archive, gzip: true, cwd: dir }, ["."]);
    expect(archiveModelSize(archive)).toEqual({ bytes: 2_500_000, files: ["model.safetensors"], from: `model.safetensors in ${archive}` });
  });

  test("a directory without weights fails naming it and what to set instead", () => {
    writeFiles(root, { "config.json": "{}" });
    expect(() => directoryModelSize(root)).toThrow(ModelSizeError);
    expect(() => directoryModelSize(root)).toThrow(
      `${root}: no weights files (*.safetensors, *.bin, *.pt, *.pth) to size the instance by; set modelSizeMb, or a fixed instanceType`,
    );
  });

  test("a file that is not an archive fails naming it", () => {
    const file = path.join(root, "broken.tar.gz");
    fs.writeFileSync(file, "not gzip at all");
    expect(() => archiveModelSize(file)).toThrow(ModelSizeError);
  });
});

describe("model size from the Hub listing", () => {
  let hub: FakeHub | undefined;
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
  });

  test("sums the weights the container would load, from the listed sizes alone", async () => {
    hub = await startFakeHub(REPO, "abc123", [
      { path: "config.json", content: Buffer.from("{}") },
      { path: "model.safetensors", content: Buffer.alloc(10), lfs: true, listedSize: 990_345_000 },
      { path: "pytorch_model.bin", content: Buffer.alloc(10), lfs: true, listedSize: 990_400_000 },
      { path: "tf_model.h5", content: Buffer.alloc(10), lfs: true, listedSize: 990_500_000 },
    ]);
    const size = await hubModelSize({ modelId: REPO, revision: "abc123", hubUrl: hub.url });
    expect(size).toEqual({ bytes: 990_345_000, files: ["model.safetensors"], from: `model.safetensors in hub:${REPO}@abc123` });
    expect(hub.requests.filter((r) => r.url.includes("/resolve/"))).toEqual([]);
  });

  test("a Hub that cannot be reached is a HubFetchError naming the host", async () => {
    hub = await startFakeHub(REPO, "main", []);
    const url = hub.url;
    await hub.close();
    hub = undefined;
    await expect(hubModelSize({ modelId: REPO, revision: "main", hubUrl: url })).rejects.toThrow(HubFetchError);
  });

  test("npm run model:size prints a Hub model's size, the modelSizeMb to set and the type auto would choose", async () => {
    hub = await startFakeHub(REPO, "abc123", [
      { path: "model.safetensors", content: Buffer.alloc(10), lfs: true, listedSize: 990_345_000 },
    ]);
    const tsx = path.join(__dirname, "..", "..", "node_modules", ".bin", "tsx");
    const cli = path.join(__dirname, "..", "..", "tools", "model-size.ts");
    const { stdout } = await promisify(execFile)(tsx, [cli, `hub:${REPO}@abc123`, "--region", "eu-west-1"], {
      env: { ...process.env, HF_ENDPOINT: hub.url },
    });
    const lines = stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      `hub:${REPO}@abc123: 990.3 MB of weights (model.safetensors in hub:${REPO}@abc123)`,
      '"modelSizeMb": 991',
      'instanceType "auto" would choose ml.m5.large at $0.128/h in eu-west-1 (prices: lib/sagemaker-prices.json, 2026-11-23, from memory: check them)',
    ]);
  });
});
