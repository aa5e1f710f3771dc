import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { policyDocument, serviceTrustPolicy } from "./policy";

export interface ApiGatewayCloudWatchRoleProps {
  /** Base of the role name, `<namePrefix>-apigw-cloudwatch-<region>`. @default - none, required */
  readonly namePrefix: string;
  /** @default - none, required */
  readonly region: string;
  /** @default - none, required */
  readonly partition: string;
  /** Account of the log groups it writes to; the role trusts API Gateway of this account only. @default - none, required */
  readonly accountId: string;
}

/**
 * The account-and-region-wide role API Gateway uses to write execution and access logs.
 * Without it, a stage with execution logging fails to deploy. Its logs permissions are scoped to
 * the execution log groups and the `/aws/apigateway/` access log groups instead of the AWS
 * managed policy's `Resource: "*"`.
 */
export class ApiGatewayCloudWatchRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ApiGatewayCloudWatchRoleProps) {
    super(scope, id);
    const logs = `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group`;

    this.role = new IamRole(this, "role", {
      name: `${props.namePrefix}-apigw-cloudwatch-${props.region}`,
      description: "API Gateway writes execution and access logs to CloudWatch Logs",
      assumeRolePolicy: serviceTrustPolicy(this, "trust", "apigateway.amazonaws.com", props.accountId).json,
    });
    const permissions = policyDocument(this, "permissions", [
      {
        sid: "WriteApiGatewayLogs",
        effect: "Allow",
        actions: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:DescribeLogStreams",
          "logs:PutLogEvents",
          "logs:GetLogEvents",
          "logs:FilterLogEvents",
        ],
        resources: [`${logs}:API-Gateway-Execution-Logs_*`, `${logs}:/aws/apigateway/*`],
      },
      {
        sid: "FindLogGroups",
        effect: "Allow",
        actions: ["logs:DescribeLogGroups"],
        resources: [`${logs}:*`],
      },
    ]);
    const policy = new IamRolePolicy(this, "policy", { role: this.role.id, name: "cloudwatch-logs", policy: permissions.json });
    new ApiGatewayAccount(this, "account", { cloudwatchRoleArn: this.role.arn, dependsOn: [policy] });
  }
}
