// Issue 9 puts several services behind one API: every construct must be able to exist twice.
import * as path from "node:path";
import { InferenceApi } from "../../constructs/inference-api";
import { InferenceEndpoint } from "../../constructs/inference-endpoint";
import { InferenceFunction } from "../../constructs/inference-function";
import { LambdaPackage } from "../../constructs/lambda-package";
import { ModelArtifact } from "../../constructs/model-artifact";
import { SecureBucket } from "../../constructs/secure-bucket";
import { SECURITY_RULES } from "../stacks/security-rules";
import { IMAGE, TARGET, synthJson, tinyEntry } from "./support";

const { entry, dir } = tinyEntry();
const SERVICES = ["sentiment", "topics"];

const json = synthJson((scope) => {
  const routes = SERVICES.map((service) => {
    const name = `app-${service}`;
    const artifact = new ModelArtifact(scope, `${service}-artifact`, {
      name,
      partition: "aws",
      archive: { kind: "local", path: __filename, sha256: service.padEnd(64, "0") },
    });
    const endpoint = new InferenceEndpoint(scope, `${service}-endpoint`, {
      name,
      target: TARGET,
      image: IMAGE,
      artifact,
      task: "text-classification",
      containerLogLevel: 20,
      capacity: { mode: "real-time", instanceType: "ml.m5.large", instanceCount: 1 },
      logRetentionDays: 30,
    });
    const handler = new InferenceFunction(scope, `${service}-function`, {
      functionName: name,
      code: new LambdaPackage(scope, `${service}-package`, { entry, bundleDir: path.join(dir, service) }),
      target: TARGET,
      logRetentionDays: 30,
    });
    endpoint.grantInvoke(handler);
    return { path: service, requestSchema: { type: "object" }, handler };
  });
  for (const n of [1, 2]) {
    new InferenceApi(scope, `api-${n}`, {
      name: `app-api-${n}`,
      routes,
      stageName: "v1",
      authMode: "api-key",
      throttle: { burstLimit: 5, rateLimit: 5 },
      quotaPerDay: 0,
      executionLogging: true,
      logRetentionDays: 30,
    });
    new SecureBucket(scope, `bucket-${n}`, { bucketPrefix: `app-extra-${n}-` });
  }
});

test("two of each construct synthesize in one stack", () => {
  expect(Object.keys(json.resource.aws_sagemaker_endpoint)).toHaveLength(2);
  expect(Object.keys(json.resource.aws_api_gateway_rest_api)).toHaveLength(2);
  expect(Object.keys(json.resource.aws_lambda_permission)).toHaveLength(4);
});

test.each(Object.entries(SECURITY_RULES))("two of each pass the security rule: %s", (_rule, check) => check([json]));
