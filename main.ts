import * as path from "node:path";
import { App } from "cdktf";
import { type AppConfig, describeModelSource, loadConfig, readCdktfContext } from "./config";
import { describeError } from "./lib/errors";
import { describeChoice } from "./lib/instance-choice";
import { OPENAPI_FILE, writeOpenApi } from "./lib/openapi";
import { type PreparedModel, prepareModel, projectCodeFiles } from "./lib/prepare-model";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { InferenceStack } from "./stacks/inference-stack";

const ROOT = __dirname;

export interface PrepareAppOptions {
  /** Environment variables to read the configuration from. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** `cdktf.json` context. Default: what the CLI passes, else the file. */
  readonly context?: Record<string, unknown>;
  /** Scratch directory for the Lambda bundle and the packed model. Default: .build/ */
  readonly buildDir?: string;
}

export interface PreparedApp {
  readonly config: AppConfig;
  /** One per service, in the order of `config.services`; undefined for a Bedrock service, which has no model of its own. */
  readonly models: readonly (PreparedModel | undefined)[];
  readonly buildDir: string;
}

/** Validates the configuration and packs the model: everything that can fail, before any output. */
export async function prepareApp(opts: PrepareAppOptions = {}): Promise<PreparedApp> {
  const env = opts.env ?? process.env;
  const config = loadConfig({ env, context: opts.context ?? readCdktfContext(env, ROOT) });
  const buildDir = opts.buildDir ?? path.join(ROOT, ".build");
  const models: (PreparedModel | undefined)[] = [];
  // One at a time: packing is parallel inside, and a bad source fails before the next is packed.
  for (const service of config.services) {
    if (service.backend === "bedrock") {
      models.push(undefined);
      continue;
    }
    const cacheDir = path.join(buildDir, "model-cache");
    models.push(
      await prepareModel(service.model.source, {
        cacheDir,
        codeFiles: projectCodeFiles(service.task),
        stagingName: service.name ?? "default",
      }),
    );
  }
  return { config, models, buildDir };
}

/** The stacks: wiring only. */
export function buildStacks(app: App, { config, models, buildDir }: PreparedApp): void {
  new BootstrapStack(app, "bootstrap", {
    region: config.region,
    namePrefix: config.namePrefix,
    tags: config.tags,
    manageApiGatewayAccount: config.manageApiGatewayAccount,
    stateBucket: config.bootstrapStateInBucket ? config.stateBucket : undefined,
  });
  new InferenceStack(app, "inference", { config, models, handlerEntry: path.join(ROOT, "lambda", "index.ts"), buildDir });
}

async function main(): Promise<void> {
  const prepared = await prepareApp();
  prepared.config.services.forEach((service, i) => {
    if (service.backend === "bedrock") return;
    for (const warning of prepared.models[i]?.warnings ?? [])
      console.warn(`warning: ${describeModelSource(service.model.source)}: ${warning}`);
  });
  for (const service of prepared.config.services) {
    if (service.backend !== "bedrock" && service.instanceChoice) {
      console.log(
        `instanceType auto for route ${service.routePath}: ${describeChoice(service.instanceChoice.choice, service.instanceChoice.sizeFrom)}`,
      );
    }
  }
  const app = new App();
  buildStacks(app, prepared);
  app.synth();
  // Beside the stacks; after synth so that a failed synth writes nothing.
  writeOpenApi(path.join(app.outdir, OPENAPI_FILE), prepared.config);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(describeError(error));
    process.exit(1);
  });
}
