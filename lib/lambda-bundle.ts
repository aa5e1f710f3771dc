import { buildSync } from "esbuild";
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface LambdaBundle {
  outFile: string;
  bytes: number;
}

/**
 * Bundles the handler and its dependencies (the AWS SDK included) into `<outDir>/index.js`, so the
 * Lambda handler is `index.handler`. Same input, same bytes: no sourcemap, no absolute paths.
 */
export function bundleLambda(opts: { entry: string; outDir: string }): LambdaBundle {
  const entry = resolve(opts.entry);
  const outFile = join(resolve(opts.outDir), "index.js");
  buildSync({
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
  });
  return { outFile, bytes: statSync(outFile).size };
}
