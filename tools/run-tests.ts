// `npm test`: the jest suites and the Python unittest suites, then one summary line
// ("N passed, N failed, N skipped") for people and CI alike.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runChild } from "./child";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numRuntimeErrorTestSuites: number;
}

const PYTHON_SUITES = ["model/tests"];

async function runJest(args: string[]): Promise<Counts> {
  const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "jest-"));
  const report = path.join(reportDir, "report.json");
  const run = await runChild(process.execPath, [require.resolve("jest/bin/jest"), "--json", `--outputFile=${report}`, ...args]);
  const text = fs.existsSync(report) ? fs.readFileSync(report, "utf8") : undefined;
  fs.rmSync(reportDir, { recursive: true, force: true });
  if (text === undefined) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(text) as JestReport;
  // A suite that fails to load has no failed test of its own: count it, or a broken file passes.
  const failed =
    r.numFailedTests + r.numRuntimeErrorTestSuites + (run.status !== 0 && r.numFailedTests + r.numRuntimeErrorTestSuites === 0 ? 1 : 0);
  return { passed: r.numPassedTests, failed, skipped: r.numPendingTests + r.numTodoTests };
}

// ML_PYTHON (e.g. a venv from ../shared/tools/mlvenv.sh) runs the torch tests that skip under plain python3.
async function runUnittest(dir: string): Promise<Counts> {
  const run = await runChild(process.env.ML_PYTHON || "python3", ["-m", "unittest", "discover", "-s", dir, "-t", "."], {
    captureStderr: true,
  });
  process.stderr.write(run.stderr ?? "");
  const ran = Number(/^Ran (\d+) tests?/m.exec(run.stderr ?? "")?.[1] ?? 0);
  const tally = (what: string) => Number(new RegExp(`${what}=(\\d+)`).exec(run.stderr ?? "")?.[1] ?? 0);
  const failed = tally("failures") + tally("errors") + (run.status !== 0 && ran === 0 ? 1 : 0);
  const skipped = tally("skipped") + tally("expected failures");
  return { passed: ran - tally("failures") - tally("errors") - skipped, failed, skipped };
}

async function main(): Promise<void> {
  // The suites' temporary files, cdktf's Testing.synthScope outdirs among them (it makes one per call
  // and never removes it), go to one folder of this run's, removed at the end.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "npm-test-"));
  process.env.TMPDIR = scratch;
  const counts: Counts[] = [];
  try {
    counts.push(await runJest(process.argv.slice(2)));
    for (const dir of PYTHON_SUITES) counts.push(await runUnittest(dir));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const totals = counts.reduce(
    (sum, c) => ({ passed: sum.passed + c.passed, failed: sum.failed + c.failed, skipped: sum.skipped + c.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(totals.failed > 0 ? 1 : 0);
}

void main();
