import { Construct } from "constructs";
import { AssetType, TerraformAsset } from "cdktf";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { bundleLambda } from "../lib/lambda-bundle";

/** A deployment package as a function takes it: the zip's path and its hash, both known to Terraform. */
export interface LambdaCode {
  readonly filename: string;
  readonly sourceCodeHash: string;
}

export interface LambdaPackageProps {
  /** TypeScript entry file, bundled by esbuild at synth. @default - none, required */
  readonly entry: string;
  /** Directory the bundle is written to before Terraform zips it. @default - none, required */
  readonly bundleDir: string;
}

/**
 * One esbuild bundle of a TypeScript entry, copied into the synth output as an asset and zipped
 * by the archive provider: functions that run the same code share one package instead of each
 * zipping its own copy.
 */
export class LambdaPackage extends Construct implements LambdaCode {
  readonly filename: string;
  readonly sourceCodeHash: string;

  constructor(scope: Construct, id: string, props: LambdaPackageProps) {
    super(scope, id);
    bundleLambda({ entry: props.entry, outDir: props.bundleDir });
    const code = new TerraformAsset(this, "bundle", { path: props.bundleDir, type: AssetType.DIRECTORY });
    const zip = new DataArchiveFile(this, "zip", {
      type: "zip",
      sourceDir: code.path,
      outputPath: `${code.path}.zip`,
      outputFileMode: "0644",
    });
    this.filename = zip.outputPath;
    this.sourceCodeHash = zip.outputBase64Sha256;
  }
}
