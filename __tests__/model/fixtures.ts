import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const HANDLERS_SOURCE = [
  "def model_fn(model_dir):",
  "    return model_dir",
  "def input_fn(body, content_type):",
  "    return body",
  "def predict_fn(data, model):",
  "    return data",
  "def output_fn(prediction, accept):",
  "    return prediction",
  "",
].join("\n");

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** A valid model directory: config, tokenizer, weights (spanning several 4 MiB gzip members), handlers. */
export function makeModelDirectory(root: string, weightBytes = 9 * 1024 * 1024 + 123): string {
  const dir = path.join(root, "model");
  const weights = Buffer.alloc(weightBytes);
  for (let i = 0; i < weights.length; i++) weights[i] = (i * 2654435761) >>> 24;
  writeFiles(dir, {
    "config.json": JSON.stringify({ id2label: { 0: "Neutral", 1: "Positive", 2: "Negative" } }),
    "vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\nprofit\n",
    "tokenizer_config.json": "{}",
    "model.safetensors": weights,
    "code/inference.py": HANDLERS_SOURCE,
    "code/requirements.txt": "# nothing\n",
  });
  return dir;
}
