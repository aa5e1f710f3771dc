import { ConfigError } from "../../config/load";
import { DlcImageError } from "../../lib/dlc-image";
import { describeError, UsageError, UserError } from "../../lib/errors";
import { HubFetchError } from "../../lib/hub-fetch";
import { ModelDirectoryError } from "../../lib/model-directory";
import { ModelSourceError } from "../../lib/prepare-model";
import { LambdaInitError } from "../../local/lambda-host";
import { ModelServerStartError } from "../../local/model-server";
import { PreflightError } from "../../local/processes";

const cause = new Error("underlying");

const userErrors: ReadonlyArray<[string, () => Error]> = [
  ["ConfigError", () => new ConfigError(["region: required"])],
  ["ModelSourceError", () => new ModelSourceError("model", ["config.json missing"])],
  ["DlcImageError", () => new DlcImageError("region", "no image in mars-1")],
  ["ModelDirectoryError", () => new ModelDirectoryError("model: not a directory", { cause })],
  ["HubFetchError", () => new HubFetchError("listing refused", { cause })],
  ["UsageError", () => new UsageError("--port must be a number", { cause })],
  ["PreflightError", () => new PreflightError("model directory not ready", { cause })],
  ["ModelServerStartError", () => new ModelServerStartError("Python not found", { cause })],
  ["LambdaInitError", () => new LambdaInitError({ errorType: "TypeError", errorMessage: "boom" })],
];

describe("user errors", () => {
  it.each(userErrors)("%s is a UserError named after its class", (name, make) => {
    const error = make();
    expect(error).toBeInstanceOf(UserError);
    expect(error.name).toBe(name);
  });

  it.each(userErrors.filter(([name]) => !["ConfigError", "ModelSourceError", "DlcImageError", "LambdaInitError"].includes(name)))(
    "%s keeps the cause it was given",
    (_name, make) => {
      expect(make().cause).toBe(cause);
    },
  );

  it("describeError gives a UserError's message without a stack trace", () => {
    expect(describeError(new UsageError("--port must be a number"))).toBe("--port must be a number");
  });

  it("describeError gives the stack of any other error", () => {
    const bug = new TypeError("x is undefined");
    expect(describeError(bug)).toBe(bug.stack);
    expect(describeError(bug)).toMatch(/\n\s+at /);
  });

  it("describeError gives a thrown non-error as text", () => {
    expect(describeError("plain")).toBe("plain");
  });
});
