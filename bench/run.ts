// `npm run bench`: every benchmark in turn, each in its own process so none skews another.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const BENCHES = ["synth", "lambda", "pack", "local", "model"];

let failed = false;
for (const name of BENCHES) {
  const file = path.join(__dirname, `${name}.ts`);
  if (!fs.existsSync(file)) continue;
  console.log(`\n=== ${name} ===`);
  const run = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  failed ||= run.status !== 0;
}
process.exit(failed ? 1 : 0);
