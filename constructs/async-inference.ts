// What an asynchronous endpoint adds to its endpoint configuration, execution role and caller.
import type { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { DataAwsIamPolicyDocumentStatement } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import type { SagemakerEndpointConfigurationAsyncInferenceConfig } from "@cdktf/provider-aws/lib/sagemaker-endpoint-configuration";
import type { Grantee } from "./inference-endpoint";
import { policyDocument } from "./policy";

/** Where an asynchronous endpoint reads requests and writes results, and how it reports them. */
export interface AsyncInference {
  /** The bucket (name and ARN; either may be a token). */
  readonly bucket: { readonly name: string; readonly arn: string };
  /** Key prefix without slashes at either end, e.g. `async/sentiment`: inputs, results and errors live below it. */
  readonly prefix: string;
  /** Requests SageMaker sends one instance at a time. */
  readonly maxConcurrentInvocationsPerInstance: number;
  /** SNS success and error topics (AsyncNotifications). */
  readonly notifications: boolean;
}

/** The three folders below an async prefix: requests the caller stores, results and failures SageMaker writes. */
export function asyncFolders(prefix: string): { inputs: string; results: string; errors: string } {
  return { inputs: `${prefix}/inputs`, results: `${prefix}/results`, errors: `${prefix}/errors` };
}

/** The endpoint configuration's `async_inference_config`. */
export function asyncInferenceConfig(
  a: AsyncInference,
  topics?: { readonly successTopicArn: string; readonly errorTopicArn: string },
): SagemakerEndpointConfigurationAsyncInferenceConfig {
  const folders = asyncFolders(a.prefix);
  return {
    clientConfig: { maxConcurrentInvocationsPerInstance: a.maxConcurrentInvocationsPerInstance },
    outputConfig: {
      s3OutputPath: `s3://${a.bucket.name}/${folders.results}/`,
      s3FailurePath: `s3://${a.bucket.name}/${folders.errors}/`,
      notificationConfig: topics && {
        successTopic: topics.successTopicArn,
        errorTopic: topics.errorTopicArn,
        includeInferenceResponseIn: ["SUCCESS_NOTIFICATION_TOPIC"],
      },
    },
  };
}

/** The execution role reads requests and writes results and failures there, nothing else in the bucket. */
export function asyncExecutionStatements(
  a: AsyncInference,
  notifications?: { readonly topicArns: readonly string[]; readonly keyArn: string },
): DataAwsIamPolicyDocumentStatement[] {
  const folders = asyncFolders(a.prefix);
  return [
    { sid: "ReadAsyncRequests", effect: "Allow", actions: ["s3:GetObject"], resources: [`${a.bucket.arn}/${folders.inputs}/*`] },
    {
      sid: "WriteAsyncResults",
      effect: "Allow",
      actions: ["s3:PutObject"],
      resources: [`${a.bucket.arn}/${folders.results}/*`, `${a.bucket.arn}/${folders.errors}/*`],
    },
    ...(notifications
      ? [
          { sid: "PublishAsyncNotifications", effect: "Allow", actions: ["sns:Publish"], resources: [...notifications.topicArns] },
          {
            sid: "EncryptAsyncNotifications",
            effect: "Allow",
            actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
            resources: [notifications.keyArn],
          },
        ]
      : []),
  ];
}

/**
 * What the API's function may do for an async route: store requests (and its record of where the
 * answer will be) below inputs/, read inputs, results and failures, and list the service's prefix,
 * without which S3 answers a missing key with 403 instead of 404 and an unknown id cannot be told
 * from a forbidden one.
 */
export function asyncCallerStatements(a: AsyncInference): DataAwsIamPolicyDocumentStatement[] {
  const folders = asyncFolders(a.prefix);
  return [
    { sid: "StoreAsyncRequests", effect: "Allow", actions: ["s3:PutObject"], resources: [`${a.bucket.arn}/${folders.inputs}/*`] },
    {
      sid: "ReadAsyncAnswers",
      effect: "Allow",
      actions: ["s3:GetObject"],
      resources: [folders.inputs, folders.results, folders.errors].map((f) => `${a.bucket.arn}/${f}/*`),
    },
    {
      sid: "ListAsyncPrefix",
      effect: "Allow",
      actions: ["s3:ListBucket"],
      resources: [a.bucket.arn],
      condition: [{ test: "StringLike", variable: "s3:prefix", values: [`${a.prefix}/*`] }],
    },
  ];
}

/** Gives the caller's role `asyncCallerStatements`; what runs under it waits for the grant. */
export function grantAsyncCaller(scope: Construct, id: string, a: AsyncInference, to: Grantee): IamRolePolicy {
  const grant = new IamRolePolicy(scope, id, {
    role: to.role.name,
    name: "async-requests-and-results",
    policy: policyDocument(scope, `${id}-permissions`, asyncCallerStatements(a)).json,
  });
  to.waitFor(grant);
  return grant;
}
