import { Construct } from "constructs";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import type { AwsTarget } from "./names";
import { topicKey } from "./topic-key";

export interface AsyncNotificationsProps {
  /** Base of the topic and key names: topics `<name>-async-success` and `<name>-async-error`. @default - none, required */
  readonly name: string;
  /** @default - none, required */
  readonly target: AwsTarget;
  /** ARN of the role SageMaker publishes with (the endpoint's execution role), built from its name so the key policy plans unchanged. @default - none, required */
  readonly publisherRoleArn: string;
}

/**
 * The SNS topics an asynchronous endpoint publishes each result and each failure to, encrypted
 * with a key of their own. SageMaker publishes with the endpoint's execution role, so SNS calls KMS
 * with that role's credentials: the key policy lets the account's IAM grant that use to this role
 * only, through SNS only, and the role's policy (InferenceEndpoint) grants it.
 */
export class AsyncNotifications extends Construct {
  readonly key: KmsKey;
  readonly successTopic: SnsTopic;
  readonly errorTopic: SnsTopic;

  constructor(scope: Construct, id: string, props: AsyncNotificationsProps) {
    super(scope, id);
    const { partition, region, accountId } = props.target;
    this.key = topicKey(this, {
      description: `Encrypts the ${props.name} async result topics`,
      target: props.target,
      publisher: {
        sid: "EndpointRolePublishesThroughSns",
        principals: [{ type: "AWS", identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
        condition: [
          { test: "StringEquals", variable: "kms:ViaService", values: [`sns.${region}.amazonaws.com`] },
          { test: "ArnEquals", variable: "aws:PrincipalArn", values: [props.publisherRoleArn] },
        ],
      },
    });
    this.successTopic = new SnsTopic(this, "success", { name: `${props.name}-async-success`, kmsMasterKeyId: this.key.arn });
    this.errorTopic = new SnsTopic(this, "error", { name: `${props.name}-async-error`, kmsMasterKeyId: this.key.arn });
  }
}
