import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { SecureBucket } from "./secure-bucket";

/** A model archive: a local `model.tar.gz` to upload, or an object already in S3. */
export type ModelArchive =
  | { readonly kind: "local"; readonly path: string; readonly sha256: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string };

export interface ModelArtifactProps {
  readonly namePrefix: string;
  readonly partition: string;
  readonly archive: ModelArchive;
}

/**
 * The model archive where SageMaker reads it. A local archive goes into a private bucket
 * (emptied on destroy) under a content-addressed key, so a changed model is a new object and an
 * unchanged one is a no-op. An `s3://` archive is used in place.
 */
export class ModelArtifact extends Construct {
  /** `s3://` URL for the model's `model_data_url`. */
  readonly modelDataUrl: string;
  /** ARN of the archive object, for a GetObject grant on exactly it. */
  readonly objectArn: string;
  /** Changes whenever the archive's bytes (local) or location (S3) change. */
  readonly contentId: string;
  readonly bucket?: SecureBucket;
  readonly object?: S3Object;

  constructor(scope: Construct, id: string, props: ModelArtifactProps) {
    super(scope, id);
    const { archive } = props;
    if (archive.kind === "s3") {
      this.modelDataUrl = `s3://${archive.bucket}/${archive.key}`;
      this.objectArn = `arn:${props.partition}:s3:::${archive.bucket}/${archive.key}`;
      this.contentId = this.modelDataUrl;
      return;
    }

    this.bucket = new SecureBucket(this, "bucket", { bucketPrefix: `${props.namePrefix}-models-`, emptyOnDestroy: true });
    // The sha256 is already known from packing; passing it spares cdktf a second hash of the file.
    const asset = new TerraformAsset(this, "archive", { path: archive.path, type: AssetType.FILE, assetHash: archive.sha256 });
    const key = `models/${archive.sha256}/model.tar.gz`;
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
    this.contentId = archive.sha256;
  }
}
