// One synthesis of both stacks in this fresh process; prints its timings as JSON for bench/synth.ts.
// argv[2] = "index" imports the provider package index first (the baseline to avoid).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

async function main(): Promise<void> {
  const start = performance.now();
  if (process.argv[2] === "index") require("@cdktf/provider-aws");
  const { App } = await import("cdktf");
  const { prepareApp, buildStacks } = await import("../main");
  const loaded = performance.now();

  // The first synth starts from an empty build directory (bundle and pack); the second reuses it,
  // as every `cdktf synth` after the first does.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
  const synthOnce = async (run: number): Promise<number> => {
    const t0 = performance.now();
    const prepared = await prepareApp({ buildDir: path.join(scratch, "build"), context: {} });
    const app = new App({ outdir: path.join(scratch, `cdktf.out-${run}`) });
    buildStacks(app, prepared);
    app.synth();
    return performance.now() - t0;
  };
  const first = await synthOnce(1);
  const warm = await synthOnce(2);
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(
    JSON.stringify({ loadMs: loaded - start, firstSynthMs: first, warmSynthMs: warm, maxRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
}

void main();
