export type ModelSource =
  | { readonly kind: "directory"; readonly path: string }
  | { readonly kind: "archive"; readonly path: string }
  | { readonly kind: "s3"; readonly bucket: string; readonly key: string }
  | { readonly kind: "hub"; readonly modelId: string; readonly revision: string };

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+\.tar\.gz)$/;
const HUB = /^hub:([\w.-]+(?:\/[\w.-]+)?)(?:@([\w./-]+))?$/;

/**
 * Parses `modelSource`: `s3://bucket/key.tar.gz`, `hub:org/name[@revision]`,
 * a path ending in `.tar.gz` (ready archive) or any other path (model directory).
 */
export function parseModelSource(text: string): ModelSource | string {
  if (text.startsWith("s3://")) {
    const m = S3_URI.exec(text);
    return m ? { kind: "s3", bucket: m[1], key: m[2] } : "an s3:// URI must name a bucket and a key ending in .tar.gz";
  }
  if (text.startsWith("hub:")) {
    const m = HUB.exec(text);
    return m ? { kind: "hub", modelId: m[1], revision: m[2] ?? "main" } : "a Hub source is hub:<org>/<name>[@revision]";
  }
  return text.endsWith(".tar.gz") ? { kind: "archive", path: text } : { kind: "directory", path: text };
}

export function describeModelSource(source: ModelSource): string {
  switch (source.kind) {
    case "directory":
    case "archive":
      return source.path;
    case "s3":
      return `s3://${source.bucket}/${source.key}`;
    case "hub":
      return `hub:${source.modelId}@${source.revision}`;
  }
}
