/** npm run model:fetch -- [hub id] [--revision R] [--dir model]; token from HF_TOKEN, hub from HF_ENDPOINT. */
import { parseArgs } from "node:util";
import { describeError, UsageError } from "../lib/errors";
import { DEFAULT_HUB_URL, fetchModel } from "../lib/hub-fetch";
import { byteProgressBar } from "./progress";

const DEFAULT_MODEL = "yiyanghkust/finbert-tone";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { revision: { type: "string", default: "main" }, dir: { type: "string", default: "model" } },
  });
  if (positionals.length > 1) throw new UsageError(`expected at most one hub id, got ${positionals.join(" ")}`);
  const repo = positionals[0] ?? DEFAULT_MODEL;
  const bar = byteProgressBar("model:fetch");
  let started = false;
  const onStart = (total: number): void => {
    bar.start(total);
    started = true;
  };
  const summary = await fetchModel({
    repo,
    revision: values.revision,
    dir: values.dir,
    hubUrl: process.env.HF_ENDPOINT || DEFAULT_HUB_URL,
    accessToken: process.env.HF_TOKEN || undefined,
    onStart,
    onProgress: (done, file) => bar.update(done, file),
  }).finally(() => started && bar.stop());
  console.log(`${repo}@${values.revision} -> ${values.dir}/`);
  for (const file of summary.downloaded) console.log(`  downloaded  ${file}`);
  for (const file of summary.upToDate) console.log(`  up to date  ${file}`);
  for (const file of summary.ignored) console.log(`  skipped     ${file}`);
}

main().catch((error: unknown) => {
  console.error(`model:fetch: ${describeError(error)}`);
  process.exitCode = 1;
});
