import path from "node:path";
import { loadConfig } from "../../config";
import { UsageError } from "../../lib/errors";
import { modelDirsFor } from "../../local/cli";

const hub = (name: string, task: string) => ({ name, task, modelSource: `hub:org/${name}` });
const two = loadConfig({ context: { services: [hub("qa", "question-answering"), hub("embeddings", "feature-extraction")] } }).services;
const single = loadConfig().services;

test("--model-dir <service>=<dir> names each service's directory", () => {
  expect(modelDirsFor(two, ["embeddings=/m/mpnet", "qa=/m/squad"])).toEqual(["/m/squad", "/m/mpnet"]);
});

test("a listed service given no directory serves model/<name>", () => {
  expect(modelDirsFor(two, ["qa=/m/squad"])).toEqual(["/m/squad", path.join("model", "embeddings")]);
});

test("a bare --model-dir <dir> serves the single service, which defaults to model/", () => {
  expect(modelDirsFor(single, ["/m/finbert"])).toEqual(["/m/finbert"]);
  expect(modelDirsFor(single, [])).toEqual(["model"]);
});

test("a bare directory or an unknown service with several services is refused, naming them", () => {
  expect(() => modelDirsFor(two, ["/m/squad"])).toThrow(UsageError);
  expect(() => modelDirsFor(two, ["sentiment=/m/finbert"])).toThrow(/give <service>=<dir> for qa, embeddings/);
});
