import type { APIGatewayProxyResult } from "aws-lambda";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { bundleLambda } from "../../lib/lambda-bundle";
import { apiEvent, FakeSageMaker, parseBody, setHandlerEnv } from "./support";

const entry = resolve(__dirname, "../../lambda/index.ts");
const repoRoot = resolve(__dirname, "../..");
let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "lambda-bundle-"));
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

it("writes index.js into outDir and reports its size", () => {
  const outDir = join(workDir, "size");

  const bundle = bundleLambda({ entry, outDir });

  expect(bundle.outFile).toBe(join(outDir, "index.js"));
  expect(bundle.bytes).toBe(readFileSync(bundle.outFile).length);
});

it("produces the same bytes on every build, whatever the outDir", () => {
  const first = readFileSync(bundleLambda({ entry, outDir: join(workDir, "a") }).outFile);
  const second = readFileSync(bundleLambda({ entry, outDir: join(workDir, "b") }).outFile);

  expect(second.equals(first)).toBe(true);
});

it("embeds no absolute path of the build machine and no sourcemap", () => {
  const code = readFileSync(bundleLambda({ entry, outDir: join(workDir, "paths") }).outFile, "utf8");

  expect(code).not.toContain(repoRoot);
  expect(code).not.toContain(workDir);
  expect(code).not.toContain("sourceMappingURL");
});

// A fresh node process, as Lambda loads it (jest's module sandbox cannot run the bundle's
// dynamic `import("node:http")`).
const RUN_BUNDLE = `
const { handler } = require(process.argv[1]);
const context = { awsRequestId: "bundle-test", getRemainingTimeInMillis: () => 28000 };
handler(JSON.parse(process.argv[2]), context).then((result) => process.stdout.write(JSON.stringify({ exported: typeof handler, result })));
`;

it("loads in a fresh node process and answers through the real SDK from the bundle alone", async () => {
  const { outFile } = bundleLambda({ entry, outDir: join(workDir, "load") });
  const fake = await FakeSageMaker.start();
  try {
    setHandlerEnv(fake.url, {});
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", RUN_BUNDLE, outFile, JSON.stringify(apiEvent())], {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT", NODE_NO_WARNINGS: "1" },
    });
    const { exported, result } = JSON.parse(stdout) as { exported: string; result: APIGatewayProxyResult };

    expect(exported).toBe("function");
    expect(parseBody(result)).toEqual({ data: [{ label: "POSITIVE", score: 0.9 }] });
    expect(fake.requests).toHaveLength(1);
  } finally {
    await fake.close();
  }
});

describe("bundle cache", () => {
  test("reuses an unchanged bundle without running esbuild, with the same bytes", () => {
    const outDir = join(workDir, "cache-hit");
    const first = bundleLambda({ entry, outDir });
    const second = bundleLambda({ entry, outDir });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.bytes).toBe(first.bytes);
  });

  test("rebuilds when an input changes", () => {
    const source = join(workDir, "cache-src");
    mkdirSync(source, { recursive: true });
    const handlerFile = join(source, "handler.ts");
    writeFileSync(handlerFile, 'export const handler = async () => "one";\n');
    const outDir = join(workDir, "cache-miss");
    bundleLambda({ entry: handlerFile, outDir });
    writeFileSync(handlerFile, 'export const handler = async () => "two, longer";\n');
    const rebuilt = bundleLambda({ entry: handlerFile, outDir });
    expect(rebuilt.cached).toBe(false);
    expect(readFileSync(rebuilt.outFile, "utf8")).toContain("two, longer");
  });

  test("keeps its manifest outside the directory that gets zipped", () => {
    const outDir = join(workDir, "cache-layout");
    bundleLambda({ entry, outDir });
    expect(readdirSync(outDir)).toEqual(["index.js"]);
  });
});
