import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, loadConfig, describeModelSource } from "./config";
import { prepareModel, ModelSourceError } from "./lib/prepare-model";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { InferenceStack } from "./stacks/inference-stack";

const ROOT = __dirname;

export interface BuildOptions {
  /** Environment variables to read the configuration from. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Scratch directory for the Lambda bundle and the packed model. Default: .build/ */
  readonly buildDir?: string;
}

/** Builds both stacks. Config and model are validated first, so a bad value writes nothing. */
export async function buildApp(app: App, opts: BuildOptions = {}): Promise<App> {
  const config = loadConfig({ env: opts.env ?? process.env, context: app.node.getAllContext() });
  const buildDir = opts.buildDir ?? path.join(ROOT, ".build");
  const model = await prepareModel(config.model.source, { cacheDir: path.join(buildDir, "model-cache"), codeDir: path.join(ROOT, "model", "code") });
  for (const warning of model.warnings) console.warn(`warning: ${describeModelSource(config.model.source)}: ${warning}`);

  new BootstrapStack(app, "bootstrap", {
    region: config.region,
    namePrefix: config.namePrefix,
    tags: config.tags,
    manageApiGatewayAccount: config.manageApiGatewayAccount,
    stateBucket: config.bootstrapStateInBucket ? config.stateBucket : undefined,
  });
  new InferenceStack(app, "inference", { config, model, handlerEntry: path.join(ROOT, "lambda", "index.ts"), buildDir });
  return app;
}

if (require.main === module) {
  buildApp(new App())
    .then((app) => app.synth())
    .catch((error: unknown) => {
      const expected = error instanceof ConfigError || error instanceof ModelSourceError;
      console.error(expected ? (error as Error).message : error);
      process.exit(1);
    });
}
