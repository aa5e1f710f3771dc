import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformOutput } from "cdktf";
import { LambdaPackage } from "../../constructs/lambda-package";
import { synthJson, tinyEntry } from "./support";

const { entry, dir } = tinyEntry();

test("the entry is bundled by esbuild into the bundle directory at synth", () => {
  const bundleDir = path.join(dir, "bundled");
  synthJson((scope) => new LambdaPackage(scope, "code", { entry, bundleDir }));
  expect(fs.readFileSync(path.join(bundleDir, "index.js"), "utf8")).toContain("handler");
});

test("the bundle, copied as an asset, is zipped by the archive provider, and the package names that zip and its hash", () => {
  const json = synthJson((scope) => {
    const code = new LambdaPackage(scope, "code", { entry, bundleDir: path.join(dir, "zipped") });
    new TerraformOutput(scope, "filename", { value: code.filename });
    new TerraformOutput(scope, "hash", { value: code.sourceCodeHash });
  });
  const zips = Object.entries(json.data.archive_file) as Array<[string, { type: string; output_file_mode: string; source_dir: string }]>;
  expect(zips).toHaveLength(1);
  const [name, zip] = zips[0];
  expect(zip).toMatchObject({ type: "zip", output_file_mode: "0644", source_dir: expect.stringContaining("assets/") });
  expect(json.output.filename.value).toBe(`\${data.archive_file.${name}.output_path}`);
  expect(json.output.hash.value).toBe(`\${data.archive_file.${name}.output_base64sha256}`);
});

test("two packages in one scope are two zips of their own", () => {
  const json = synthJson((scope) => {
    new LambdaPackage(scope, "a", { entry, bundleDir: path.join(dir, "a") });
    new LambdaPackage(scope, "b", { entry, bundleDir: path.join(dir, "b") });
  });
  expect(Object.keys(json.data.archive_file)).toHaveLength(2);
});
