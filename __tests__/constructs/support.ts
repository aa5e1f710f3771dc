import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import type { Construct } from "constructs";
import type { TerraformJson } from "../stacks/synth-app";
import type { LambdaCode } from "../../constructs/lambda-package";

export const TARGET = { partition: "aws", region: "us-east-1", accountId: "111122223333" };
export const IMAGE = {
  uri: "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.6.0-cpu",
  repositoryArn: "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference",
};
export const ARTIFACT = {
  modelDataUrl: "s3://models/a/model.tar.gz",
  objectArn: "arn:aws:s3:::models/a/model.tar.gz",
  contentId: "s3://models/a/model.tar.gz",
  readyAfter: [],
};

/** Synthesizes what `build` adds to a fresh stack, as parsed Terraform JSON. */
export function synthJson(build: (scope: Construct) => void): TerraformJson {
  return JSON.parse(Testing.synthScope(build)) as TerraformJson;
}

/** A zipped package as a function takes it, for tests of what is not the code. */
export const CODE: LambdaCode = { filename: "/build/fn.zip", sourceCodeHash: "c29tZSBoYXNo" };

/** A one-line handler entry, so a package test bundles in milliseconds; removed after the file. */
export function tinyEntry(): { entry: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "construct-"));
  const entry = path.join(dir, "index.ts");
  fs.writeFileSync(entry, "export const handler = async () => ({ statusCode: 200, body: '{}' });\n");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { entry, dir };
}
