/** npm run model:pack [dir] [--out model.tar.gz]: the same deterministic archive the stacks upload. */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { describeError } from "../lib/errors";
import { inspectModelListing } from "../lib/model-check";
import { listModelDirectory } from "../lib/model-directory";
import { packModelDirectory } from "../lib/model-pack";
import { byteProgressBar } from "./progress";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: "string", default: "model.tar.gz" } },
  });
  const listing = listModelDirectory(positionals[0] ?? "model");
  for (const warning of inspectModelListing(listing).warnings) console.error(`warning: ${warning}`);

  const bar = byteProgressBar("model:pack");
  let started = false;
  const result = await packModelDirectory(listing, values.out, {
    onProgress: (done, total) => {
      if (!started) bar.start(total);
      started = true;
      bar.update(done);
    },
  }).finally(() => started && bar.stop());
  const mb = (fs.statSync(result.path).size / 1024 / 1024).toFixed(1);
  console.log(`${result.path}: ${result.files} files, ${result.bytes} bytes (${mb} MB)`);
  console.log(`sha256 ${result.sha256}`);
}

main().catch((error: unknown) => {
  console.error(`model:pack: ${describeError(error)}`);
  process.exitCode = 1;
});
