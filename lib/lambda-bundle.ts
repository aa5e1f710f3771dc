import { type BuildOptions, buildSync, version as esbuildVersion } from "esbuild";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface LambdaBundle {
  outFile: string;
  bytes: number;
  /** True when the previous bundle was still current and esbuild did not run. */
  cached: boolean;
}

interface Manifest {
  key: string;
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

function buildOptions(entry: string, outFile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile: outFile,
    // Paths esbuild writes into the output are relative to this, never to the caller's cwd.
    absWorkingDir: dirname(entry),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    // Prefer the ES module builds: they tree-shake far better than the CommonJS ones.
    mainFields: ["module", "main"],
    minify: true,
    treeShaking: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
  };
}

function fingerprint(path: string): [string, number, number] | undefined {
  const stat = fs.statSync(path, { throwIfNoEntry: false });
  return stat && [path, stat.size, stat.mtimeMs];
}

function isCurrent(manifestFile: string, key: string, outFile: string): boolean {
  if (!fs.existsSync(outFile) || !fs.existsSync(manifestFile)) return false;
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
  return (
    manifest.key === key &&
    manifest.inputs.every(([path, size, mtimeMs]) => {
      const now = fingerprint(path);
      return now !== undefined && now[1] === size && now[2] === mtimeMs;
    })
  );
}

/**
 * Bundles the handler and its dependencies (the AWS SDK included) into `<outDir>/index.js`, so the
 * Lambda handler is `index.handler`. Same input, same bytes: no sourcemap, no absolute paths.
 * Every input esbuild read is recorded beside outDir (not in it: outDir is what gets zipped), and
 * an unchanged set of inputs reuses the previous bundle.
 */
export function bundleLambda(opts: { entry: string; outDir: string }): LambdaBundle {
  const entry = resolve(opts.entry);
  const outDir = resolve(opts.outDir);
  const outFile = join(outDir, "index.js");
  const options = buildOptions(entry, outFile);
  const key = createHash("sha256")
    .update(JSON.stringify([esbuildVersion, options]))
    .digest("hex");
  const manifestFile = `${outDir}.inputs.json`;
  if (isCurrent(manifestFile, key, outFile)) return { outFile, bytes: fs.statSync(outFile).size, cached: true };

  const result = buildSync({ ...options, metafile: true });
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .map((input) => fingerprint(resolve(options.absWorkingDir as string, input)))
    .filter((f): f is [string, number, number] => f !== undefined);
  fs.writeFileSync(manifestFile, JSON.stringify({ key, inputs } satisfies Manifest));
  return { outFile, bytes: fs.statSync(outFile).size, cached: false };
}
