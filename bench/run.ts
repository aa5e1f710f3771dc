// `npm run bench`: every benchmark in turn, each in its own process so none skews another.
import * as fs from "node:fs";
import * as path from "node:path";
import { runChild } from "../tools/child";

const BENCHES = ["synth", "lambda", "pack", "local", "model"];

async function main(): Promise<void> {
  let failed = false;
  for (const name of BENCHES) {
    const file = path.join(__dirname, `${name}.ts`);
    if (!fs.existsSync(file)) continue;
    console.log(`\n=== ${name} ===`);
    const run = await runChild(process.execPath, ["--import", "tsx", file]);
    failed ||= run.status !== 0;
  }
  process.exit(failed ? 1 : 0);
}

void main();
