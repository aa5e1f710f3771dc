import { SecureBucket } from "../../constructs/secure-bucket";
import { resourcesOf } from "../stacks/synth-app";
import { synthJson } from "./support";

test("a bucket with a prefix gets a TLS-only policy after its public access block", () => {
  const json = synthJson((scope) => new SecureBucket(scope, "b", { bucketPrefix: "x-" }));
  expect(resourcesOf(json, "aws_s3_bucket")).toEqual([expect.objectContaining({ bucket_prefix: "x-", force_destroy: false })]);
  expect(resourcesOf(json, "aws_s3_bucket_policy")[0].depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
});

test("a bucket needs exactly one of a name or a prefix", () => {
  expect(() => synthJson((scope) => new SecureBucket(scope, "b", {}))).toThrow(/exactly one of bucket or bucketPrefix/);
});

test("a state bucket refuses to be destroyed", () => {
  const json = synthJson((scope) => new SecureBucket(scope, "b", { bucket: "state", preventDestroy: true }));
  expect(resourcesOf(json, "aws_s3_bucket")[0].lifecycle).toEqual({ prevent_destroy: true });
});
