import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadLocalConfig } from "../../local/cli";
import { type LocalStack, startStack } from "../../local/processes";
import { API_KEY, hasTorch, json, ML_PYTHON, post, REPO_ROOT } from "./support";

const itIfTorch = hasTorch ? it : it.skip;

// A tiny randomly initialised BERT classifier with a real tokenizer, saved like a Hub download:
// the project's inference.py runs on it with torch and transformers, offline.
const MAKE_TINY_MODEL = `
import sys, torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer
out = sys.argv[1]
words = ["profit", "rose", "loss", "fell", "the", "company", "shares", "record", "debt", "quarter"]
with open(out + "/vocab.txt", "w") as handle:
    handle.write("\\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words) + "\\n")
# The vocab file positionally: transformers 5 ignores the vocab_file keyword (every token [UNK]).
BertTokenizer(out + "/vocab.txt").save_pretrained(out)
labels = {0: "Neutral", 1: "Positive", 2: "Negative"}
config = BertConfig(vocab_size=15, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                    max_position_embeddings=64, num_labels=3, id2label=labels, label2id={v: k for k, v in labels.items()})
torch.manual_seed(0)
BertForSequenceClassification(config).save_pretrained(out, safe_serialization=True)
`;

let stack: LocalStack | undefined;
let scratch: string | undefined;

afterAll(async () => {
  await stack?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("local API on a real sequence-classification model", () => {
  itIfTorch(
    "serves model/code/inference.py with torch and transformers end to end (skipped where ML_PYTHON or python3 cannot import torch and transformers)",
    async () => {
      scratch = mkdtempSync(path.join(os.tmpdir(), "local-real-model-"));
      const modelDir = path.join(scratch, "model");
      mkdirSync(path.join(modelDir, "code"), { recursive: true });
      execFileSync(ML_PYTHON, ["-c", MAKE_TINY_MODEL, modelDir], { stdio: "inherit" });
      cpSync(path.join(REPO_ROOT, "model", "code", "inference.py"), path.join(modelDir, "code", "inference.py"));

      stack = await startStack({
        config: loadLocalConfig({}),
        modelDirs: [modelDir],
        ports: { gateway: 0, runtime: 0, model: 0 },
        apiKey: API_KEY,
        python: "python3",
        log: () => undefined,
      });
      const reply = await post(stack.routeUrl, { texts: ["The company shares rose", "Debt fell"], all_scores: true });
      expect(reply.status).toBe(200);
      const { data } = json(reply) as { data: Array<{ label: string; scores: Array<{ label: string; score: number }> }> };
      expect(data).toHaveLength(2);
      for (const prediction of data) {
        expect(prediction.scores.map((s) => s.label).sort()).toEqual(["NEGATIVE", "NEUTRAL", "POSITIVE"]);
        expect(prediction.scores.reduce((sum, s) => sum + s.score, 0)).toBeCloseTo(1, 5);
      }
      expect((await post(stack.routeUrl, { text: "x" }, {})).status).toBe(403);
    },
    120_000,
  );
});
