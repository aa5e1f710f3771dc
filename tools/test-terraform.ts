/**
 * npm run test:terraform [-- --shapes default,serverless-iam,hub] [--keep]
 *
 * Real Terraform on the synthesized stacks, for users with network (or a provider mirror):
 * 1. synth each example configuration shape (and each presets/*.json through APP_CONFIG);
 * 2. `terraform init` per stack: providers from the registry, or from whatever the Terraform CLI
 *    configuration says (a `provider_installation { filesystem_mirror { … } }` block);
 * 3. `terraform validate` per stack;
 * 4. `terraform plan` per stack against an AWS emulator when TF_TEST_AWS_ENDPOINT names one
 *    (e.g. a moto server: `python3 -m moto.server -p 5000`, TF_TEST_AWS_ENDPOINT=http://127.0.0.1:5000).
 * What it cannot do (no terraform, providers that cannot be installed, no emulator) is reported
 * as SKIP with the reason and does not fail the run; a synth, init, validate or plan error does.
 * Last line: `test:terraform: N pass, N fail, N skip`.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const REPO_ROOT = path.resolve(__dirname, "..");

interface Shape {
  name: string;
  env: Record<string, string>;
}

const SHAPES: readonly Shape[] = [
  { name: "default", env: {} }, // real-time endpoint, api-key auth
  { name: "serverless-iam", env: { ENDPOINT_MODE: "serverless", AUTH_MODE: "iam" } },
  { name: "hub", env: { MODEL_SOURCE: "hub:yiyanghkust/finbert-tone" } },
];

type Status = "PASS" | "FAIL" | "SKIP";
const tally: Record<Status, number> = { PASS: 0, FAIL: 0, SKIP: 0 };

function report(status: Status, where: string, detail: string): void {
  tally[status] += 1;
  console.log(`[${status}] ${where}: ${detail}`);
}

function presetShapes(): Shape[] {
  const dir = path.join(REPO_ROOT, "presets");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ name: `preset-${path.basename(name, ".json")}`, env: { APP_CONFIG: path.join(dir, name) } }));
}

/** Terraform's `Error:` blocks of a -no-color output, each as one line (summary: first paragraph). */
export function terraformErrors(output: string): string[] {
  const errors: string[] = [];
  const blocks = output.split(/^(?=Error: )/m).slice(1);
  for (const block of blocks) {
    const [summary, ...rest] = block.split(/\n\s*\n/);
    const detail = rest
      .find((paragraph) => paragraph.trim() !== "")
      ?.replace(/\s+/g, " ")
      .trim();
    errors.push(
      `${summary
        .replace(/^Error: /, "")
        .replace(/\s+/g, " ")
        .trim()}${detail ? `: ${detail}` : ""}`,
    );
  }
  return errors;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return {
    ok: result.status === 0,
    output: `${result.stdout ?? ""}${result.stderr ?? ""}`,
    missing: (result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT",
  };
}

const PROVIDER_INSTALL = /Failed to (query|install) (available )?provider|Failed to install provider|Incompatible provider version/;

function emulatorOverride(endpoint: string): Record<string, unknown> {
  const services = ["apigateway", "cloudwatch", "ecr", "iam", "lambda", "logs", "s3", "sagemaker", "sts"];
  return {
    terraform: { backend: { local: {} } },
    provider: {
      aws: {
        access_key: "testing",
        secret_key: "testing",
        max_retries: 2,
        s3_use_path_style: true,
        skip_credentials_validation: true,
        skip_metadata_api_check: true,
        endpoints: [Object.fromEntries(services.map((service) => [service, endpoint]))],
      },
    },
  };
}

function testStack(where: string, dir: string, env: NodeJS.ProcessEnv, emulator: string | undefined): void {
  const init = run("terraform", ["init", "-backend=false", "-input=false", "-no-color"], dir, env);
  if (!init.ok) {
    const errors = terraformErrors(init.output);
    if (errors.length > 0 && PROVIDER_INSTALL.test(init.output)) {
      report("SKIP", `${where} init`, `providers could not be installed, so validate and plan were not run: ${errors.join(" | ")}`);
    } else {
      report("FAIL", `${where} init`, errors.join(" | ") || init.output.trim().split("\n").slice(-5).join(" "));
    }
    return;
  }
  report("PASS", `${where} init`, "providers installed");
  const validate = run("terraform", ["validate", "-no-color"], dir, env);
  report(validate.ok ? "PASS" : "FAIL", `${where} validate`, validate.ok ? "valid" : terraformErrors(validate.output).join(" | "));
  if (!validate.ok) return;
  if (!emulator) {
    report("SKIP", `${where} plan`, "no AWS emulator: set TF_TEST_AWS_ENDPOINT to a running one (e.g. a moto server)");
    return;
  }
  fs.writeFileSync(path.join(dir, "zz_test_terraform_override.tf.json"), JSON.stringify(emulatorOverride(emulator), null, 2));
  const planEnv = { ...env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_EC2_METADATA_DISABLED: "true" };
  const reinit = run("terraform", ["init", "-input=false", "-no-color", "-reconfigure"], dir, planEnv);
  const plan = reinit.ok ? run("terraform", ["plan", "-input=false", "-lock=false", "-no-color"], dir, planEnv) : reinit;
  report(plan.ok ? "PASS" : "FAIL", `${where} plan`, plan.ok ? `planned against ${emulator}` : terraformErrors(plan.output).join(" | "));
}

function main(): number {
  const { values } = parseArgs({ options: { shapes: { type: "string" }, keep: { type: "boolean", default: false } } });
  const all = [...SHAPES, ...presetShapes()];
  const wanted = values.shapes?.split(",").map((name) => name.trim());
  const unknown = wanted?.filter((name) => !all.some((shape) => shape.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(`test:terraform: unknown shape(s) ${unknown.join(", ")}; known: ${all.map((shape) => shape.name).join(", ")}`);
    return 2;
  }
  const shapes = wanted ? all.filter((shape) => wanted.includes(shape.name)) : all;
  const emulator = process.env.TF_TEST_AWS_ENDPOINT || undefined;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-test-"));
  // One provider download for all stacks, unless the user has a cache of their own.
  const pluginCache = process.env.TF_PLUGIN_CACHE_DIR || path.join(work, "plugin-cache");
  fs.mkdirSync(pluginCache, { recursive: true });
  const tfEnv: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_PLUGIN_CACHE_DIR: pluginCache };
  try {
    const version = run("terraform", ["version"], work, tfEnv);
    for (const shape of shapes) {
      const outdir = path.join(work, shape.name);
      const synth = run(process.execPath, ["--import", "tsx", "main.ts"], REPO_ROOT, {
        ...process.env,
        ...shape.env,
        CDKTF_OUTDIR: outdir,
      });
      if (!synth.ok) {
        report("FAIL", `${shape.name} synth`, synth.output.trim().split("\n").slice(-8).join(" "));
        continue;
      }
      const stacksDir = path.join(outdir, "stacks");
      const stacks = fs.readdirSync(stacksDir).sort();
      report("PASS", `${shape.name} synth`, `stacks ${stacks.join(", ")}`);
      for (const stack of stacks) {
        const where = `${shape.name}/${stack}`;
        if (version.missing)
          report("SKIP", `${where} init`, "terraform is not on PATH: install Terraform 1.5 or later to init, validate and plan");
        else testStack(where, path.join(stacksDir, stack), tfEnv, emulator);
      }
    }
  } finally {
    if (values.keep) console.log(`work directory kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`test:terraform: ${tally.PASS} pass, ${tally.FAIL} fail, ${tally.SKIP} skip`);
  return tally.FAIL > 0 ? 1 : 0;
}

process.exitCode = main();
