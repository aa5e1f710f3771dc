import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { policyDocument } from "./policy";

export interface SecureBucketProps {
  /** Exact bucket name. Give this or `bucketPrefix`. @default - none: `bucketPrefix` names it */
  readonly bucket?: string;
  /** Prefix for a generated, unique name (at most 37 characters). @default - none: `bucket` names it */
  readonly bucketPrefix?: string;
  /** Delete every object (and version) on destroy, so nothing billable is left. @default false */
  readonly emptyOnDestroy?: boolean;
  /** Refuse to destroy the bucket from Terraform (state buckets). @default false */
  readonly preventDestroy?: boolean;
}

/**
 * A private S3 bucket with the defaults scanners require: all public access blocked,
 * versioning, SSE-S3 encryption, BucketOwnerEnforced ownership and a TLS-only policy.
 * Access logging (CKV_AWS_18) is skipped: it needs a second log bucket, and these buckets are
 * private, TLS-only and written only by Terraform.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The last resource that must exist before the bucket is ready for use. */
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    if ((props.bucket === undefined) === (props.bucketPrefix === undefined)) {
      throw new Error(`${this.node.path}: give exactly one of bucket or bucketPrefix`);
    }

    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucket,
      bucketPrefix: props.bucketPrefix,
      forceDestroy: props.emptyOnDestroy ?? false,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    const bucket = this.bucket.id;

    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });

    const tlsOnly = policyDocument(this, "tls-only", [
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        actions: ["s3:*"],
        principals: [{ type: "*", identifiers: ["*"] }],
        resources: [this.bucket.arn, `${this.bucket.arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
    // The public access block must exist first, or S3 may reject the policy while it is evaluated.
    this.policy = new S3BucketPolicy(this, "policy", { bucket, policy: tlsOnly.json, dependsOn: [publicAccess] });
  }
}
