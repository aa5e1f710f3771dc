import * as fs from "node:fs";
import * as path from "node:path";
import { FIELDS } from "../../config";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");

test.each(Object.entries(FIELDS))("the README's configuration table documents %s", (key, field) => {
  expect(readme).toContain(`| \`${key}\` | \`${field.env}\` |`);
});
