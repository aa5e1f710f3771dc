import { Construct } from "constructs";
import { AssetType, type ITerraformDependable, TerraformAsset } from "cdktf";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SecureBucket } from "./secure-bucket";
import { boundedName } from "./names";

/** A model archive: a local `model.tar.gz` to upload, or an object already in S3. */
export type ModelArchive =
  | { readonly kind: "local"; readonly path: string; readonly sha256: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string };

/** What an endpoint needs to know of a model archive. */
export interface ModelArtifactRef {
  /** `s3://` URL for the model's `model_data_url`. */
  readonly modelDataUrl: string;
  /** ARN of the archive object, for a GetObject grant on exactly it. */
  readonly objectArn: string;
  /** Known at synth; changes whenever the archive's bytes or its bucket or key change. */
  readonly contentId: string;
  /** Resources that must exist before SageMaker can read the archive (the upload). */
  readonly readyAfter: readonly ITerraformDependable[];
}

export interface ModelArtifactProps {
  /**
   * Base of the bucket name: the bucket is `<name>-models-<random>` (the prefix cut to S3's 37
   * characters with a hash when longer).
   * @default - none, required
   */
  readonly name: string;
  /** @default - none, required */
  readonly partition: string;
  /** @default - none, required */
  readonly archive: ModelArchive;
  /** A bucket another artifact created, to share one bucket between models. @default - a bucket of its own */
  readonly bucket?: SecureBucket;
  /** Key prefix of the uploaded archive; give each model sharing a bucket its own. @default "models" */
  readonly keyPrefix?: string;
}

/**
 * The model archive where SageMaker reads it. A local archive goes into a private bucket
 * (emptied on destroy) under a content-addressed key, so a changed model is a new object and an
 * unchanged one is a no-op. An `s3://` archive is used in place.
 */
export class ModelArtifact extends Construct implements ModelArtifactRef {
  readonly modelDataUrl: string;
  readonly objectArn: string;
  readonly contentId: string;
  readonly readyAfter: readonly ITerraformDependable[];
  readonly bucket?: SecureBucket;
  readonly object?: S3Object;

  constructor(scope: Construct, id: string, props: ModelArtifactProps) {
    super(scope, id);
    const { archive } = props;
    if (archive.kind === "s3") {
      this.modelDataUrl = `s3://${archive.bucket}/${archive.key}`;
      this.objectArn = `arn:${props.partition}:s3:::${archive.bucket}/${archive.key}`;
      this.contentId = this.modelDataUrl;
      this.readyAfter = [];
      return;
    }

    const bucketPrefix = boundedName(props.name, "-models-", 37);
    this.bucket = props.bucket ?? new SecureBucket(this, "bucket", { bucketPrefix, emptyOnDestroy: true });
    // The sha256 is already known from packing; passing it spares cdktf a second hash of the file.
    const asset = new TerraformAsset(this, "archive", { path: archive.path, type: AssetType.FILE, assetHash: archive.sha256 });
    const key = `${props.keyPrefix ?? "models"}/${archive.sha256}/model.tar.gz`;
    this.object = new S3Object(this, "object", {
      bucket: this.bucket.bucket.id,
      key,
      source: asset.path,
      sourceHash: archive.sha256,
      contentType: "application/gzip",
      dependsOn: [this.bucket.policy],
      lifecycle: { createBeforeDestroy: true },
    });
    this.modelDataUrl = `s3://${this.bucket.bucket.bucket}/${key}`;
    this.objectArn = `${this.bucket.bucket.arn}/${key}`;
    // The bucket's name is only known after apply; its construct path and prefix stand for it.
    this.contentId = props.bucket ? `${this.bucket.node.path}/${key}` : `${this.bucket.node.path}/${bucketPrefix}*/${key}`;
    this.readyAfter = [this.object];
  }
}
