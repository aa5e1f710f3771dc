/** npm run model:check [dir]: one line per problem, exit 1 when there is any. */
import { parseArgs } from "node:util";
import { checkModelDirectory } from "../lib/model-check";

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const dir = positionals[0] ?? "model";
const { problems, warnings } = checkModelDirectory(dir);
for (const warning of warnings) console.log(`warning: ${dir}: ${warning}`);
for (const problem of problems) console.log(`problem: ${dir}: ${problem}`);
if (problems.length > 0) {
  process.exitCode = 1;
} else {
  console.log(`${dir}: ready to pack`);
}
