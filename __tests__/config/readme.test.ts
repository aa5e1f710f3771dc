import * as fs from "node:fs";
import * as path from "node:path";
import { FIELDS } from "../../config";
import { SERVICE_FIELDS } from "../../config/fields";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");

test.each(Object.entries(FIELDS))("the README's configuration table documents %s", (key, field) => {
  expect(readme).toContain(`| \`${key}\` | \`${field.env}\` |`);
});

test.each(SERVICE_FIELDS)("the README's Services section lists %s as a field a service entry may set", (key) => {
  const section = readme.slice(readme.indexOf("### Services"), readme.indexOf("## Local mode"));
  expect(section).toContain(`\`${key}\``);
});
