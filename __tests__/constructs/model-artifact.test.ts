import { ModelArtifact } from "../../constructs/model-artifact";
import { resourcesOf } from "../stacks/synth-app";
import { synthJson } from "./support";

const SHA = "a".repeat(64);

function artifact(
  archive: ConstructorParameters<typeof ModelArtifact>[2]["archive"],
  name = "svc",
): { artifact?: ModelArtifact; json: ReturnType<typeof synthJson> } {
  const out: { artifact?: ModelArtifact } = {};
  const json = synthJson((scope) => {
    out.artifact = new ModelArtifact(scope, "artifact", { name, partition: "aws", archive });
  });
  return { ...out, json };
}

test("a local archive is uploaded into a bucket named after the artifact, under a content-addressed key", () => {
  const { json } = artifact({ kind: "local", path: __filename, sha256: SHA });
  expect(resourcesOf(json, "aws_s3_bucket")[0]).toMatchObject({ bucket_prefix: "svc-models-", force_destroy: true });
  expect(resourcesOf(json, "aws_s3_object")[0]).toMatchObject({ key: `models/${SHA}/model.tar.gz`, source_hash: SHA });
});

test("a local archive's content id covers its bucket and key, and the endpoint waits for the upload", () => {
  const { artifact: a } = artifact({ kind: "local", path: __filename, sha256: SHA });
  expect(a?.contentId).toContain(`svc-models-*/models/${SHA}/model.tar.gz`);
  expect(a?.readyAfter).toHaveLength(1);
  expect(artifact({ kind: "local", path: __filename, sha256: SHA }, "other").artifact?.contentId).not.toBe(a?.contentId);
});

test("an s3:// archive is used in place with a grant ARN on exactly that object", () => {
  const { artifact: a, json } = artifact({ kind: "s3", bucket: "models", key: "x/model.tar.gz" });
  expect(a).toMatchObject({ modelDataUrl: "s3://models/x/model.tar.gz", objectArn: "arn:aws:s3:::models/x/model.tar.gz", readyAfter: [] });
  expect(json.resource ?? {}).toEqual({});
});
