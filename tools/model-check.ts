/** npm run model:check [dir] [--task <task>]: one line per problem, exit 1 when there is any. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { checkModelForTask } from "../lib/prepare-model";
import { TASKS, type Task } from "../lib/tasks";

const { positionals, values } = parseArgs({ allowPositionals: true, options: { task: { type: "string" } } });
const dir = positionals[0] ?? "model";
if (values.task !== undefined && !(TASKS as readonly string[]).includes(values.task)) {
  console.log(`problem: --task ${values.task}: must be one of ${TASKS.join(", ")}`);
  process.exit(1);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "model-check-"));
try {
  const { task, problems, warnings } = checkModelForTask(dir, values.task as Task | undefined, path.join(scratch, "model"));
  for (const warning of warnings) console.log(`warning: ${dir}: ${warning}`);
  for (const problem of problems) console.log(`problem: ${dir}: ${problem}`);
  if (problems.length > 0) {
    process.exitCode = 1;
  } else {
    console.log(`${dir}: ready to pack${task === undefined ? "" : ` (${task})`}`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
