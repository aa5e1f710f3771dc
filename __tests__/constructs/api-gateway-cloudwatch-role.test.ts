import { ApiGatewayCloudWatchRole } from "../../constructs/api-gateway-cloudwatch-role";
import { resourcesOf } from "../stacks/synth-app";
import { SECURITY_RULES } from "../stacks/security-rules";
import { TARGET, synthJson } from "./support";

const json = synthJson((scope) => new ApiGatewayCloudWatchRole(scope, "logs", { namePrefix: "app", ...TARGET }));

test("the role is named after the prefix and region", () => {
  expect(resourcesOf(json, "aws_iam_role")).toEqual([expect.objectContaining({ name: "app-apigw-cloudwatch-us-east-1" })]);
});

test("the account setting waits for the role's permissions", () => {
  expect(resourcesOf(json, "aws_api_gateway_account")[0].depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\./)]);
});

test.each(Object.entries(SECURITY_RULES))("it passes the security rule: %s", (_rule, check) => check([json]));
