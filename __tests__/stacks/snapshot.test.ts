import { synthApp } from "./synth-app";

/** Hashes of build outputs (bundle, archive) change with any dependency bump; the shape must not. */
function maskAssetHashes(json: string): string {
  return json
    .replace(/[0-9a-f]{64}/g, "<sha256>")
    .replace(/[0-9A-F]{32}/g, "<asset-hash>")
    .replace(/finbert-model-[0-9a-f]{16}/g, "finbert-model-<hash>");
}

test("the whole app synthesizes to the recorded Terraform (asset hashes masked)", async () => {
  const { bootstrap, inference } = await synthApp();
  expect(maskAssetHashes(bootstrap)).toMatchSnapshot("bootstrap");
  expect(maskAssetHashes(inference)).toMatchSnapshot("inference");
});
