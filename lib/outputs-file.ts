// Reads a deployed stack's outputs: the file of `cdktf deploy|output --outputs-file` (outputs per
// stack) or of `terraform output -json` run in cdktf.out/stacks/<stack> (each output as {value}).
import { existsSync, readFileSync } from "node:fs";

export class OutputsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputsFileError";
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function readStackOutputs(file: string, stack: string): Record<string, unknown> {
  if (!existsSync(file)) {
    throw new OutputsFileError(
      `no outputs file ${file}: write it with \`npm run deploy -- ${stack} --outputs-file ${file} --outputs-file-include-sensitive-outputs\` ` +
        `(or \`npx cdktf output ${stack} --outputs-file ${file} --outputs-file-include-sensitive-outputs\` after a deploy)`,
    );
  }
  let all: unknown;
  try {
    all = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new OutputsFileError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(all)) throw new OutputsFileError(`${file} is not a JSON object of outputs`);
  const terraformJson = Object.values(all).some((v) => isRecord(v) && "value" in v && "sensitive" in v);
  if (terraformJson) return Object.fromEntries(Object.entries(all).map(([name, v]) => [name, isRecord(v) ? v.value : v]));
  const outputs = all[stack];
  if (!isRecord(outputs))
    throw new OutputsFileError(`${file} has no outputs of stack "${stack}" (it has: ${Object.keys(all).join(", ") || "none"})`);
  return outputs;
}
