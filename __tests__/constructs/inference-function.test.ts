import { InferenceEndpoint } from "../../constructs/inference-endpoint";
import { InferenceFunction, type InferenceFunctionProps } from "../../constructs/inference-function";
import { type TerraformJson, resourcesOf, statementsOf } from "../stacks/synth-app";
import { ARTIFACT, CODE, IMAGE, TARGET, synthJson } from "./support";

const PROPS: InferenceFunctionProps = { functionName: "svc-fn", code: CODE, target: TARGET };

function synth(overrides: Partial<InferenceFunctionProps> = {}): TerraformJson {
  return synthJson((scope) => new InferenceFunction(scope, "fn", { ...PROPS, ...overrides }));
}

test("without memory or timeout the function gets 256 MB and 28 s", () => {
  expect(resourcesOf(synth(), "aws_lambda_function")[0]).toMatchObject({ memory_size: 256, timeout: 28 });
});

test("without a retention the function's logs are kept 30 days", () => {
  expect(resourcesOf(synth(), "aws_cloudwatch_log_group")[0].retention_in_days).toBe(30);
});

test("a timeout API Gateway would not wait for is refused", () => {
  expect(() => synth({ timeoutSeconds: 29 })).toThrow(/timeoutSeconds must be below API Gateway's 29 s; got 29/);
});

test("the role is named after the function and region, and may only write its own logs and traces", () => {
  const json = synth();
  expect(resourcesOf(json, "aws_iam_role")[0].name).toBe("svc-fn-us-east-1");
  const policy = resourcesOf(json, "aws_iam_role_policy")[0];
  expect(statementsOf(json, policy.policy).map((s) => s.sid)).toEqual(["WriteOwnLogs", "WriteTraces"]);
});

test("the function deploys the package it is given, by its path and hash", () => {
  expect(resourcesOf(synth(), "aws_lambda_function")[0]).toMatchObject({ filename: CODE.filename, source_code_hash: CODE.sourceCodeHash });
});

test("the environment is passed as given", () => {
  expect(resourcesOf(synth({ environment: { A: "1" } }), "aws_lambda_function")[0].environment).toEqual({ variables: { A: "1" } });
});

test("a function granted InvokeEndpoint is created only after the grant exists, so it never answers without it", () => {
  const json = synthJson((scope) => {
    const endpoint = new InferenceEndpoint(scope, "endpoint", { name: "svc", target: TARGET, image: IMAGE, artifact: ARTIFACT });
    endpoint.grantInvoke(new InferenceFunction(scope, "fn", PROPS));
  });
  const grants = Object.entries(json.resource.aws_iam_role_policy ?? {}).filter(([, policy]) => String(policy.name).startsWith("invoke-"));
  expect(grants).toHaveLength(1);
  expect(grants[0][1].role).toMatch(/^\$\{aws_iam_role\.fn_role_[0-9A-F]+\.name\}$/);
  expect(resourcesOf(json, "aws_lambda_function")[0].depends_on).toContain(`aws_iam_role_policy.${grants[0][0]}`);
});
