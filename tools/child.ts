// Child processes for npm scripts that run others (`npm test`, `npm run bench`): a SIGTERM or
// SIGINT to the script reaches the child too, and the script ends once the child has.
import { spawn, type SpawnOptions } from "node:child_process";
import os from "node:os";

export interface ChildResult {
  status: number | null;
  /** Captured stderr when `captureStderr` was set, else "". */
  stderr: string;
}

export function runChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { captureStderr?: boolean } = {},
): Promise<ChildResult> {
  const { captureStderr, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ["inherit", "inherit", captureStderr ? "pipe" : "inherit"], ...spawnOptions });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  let received: NodeJS.Signals | undefined;
  const forward = (signal: NodeJS.Signals) => {
    received = signal;
    child.kill(signal);
  };
  process.on("SIGTERM", forward).on("SIGINT", forward);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => {
      process.off("SIGTERM", forward).off("SIGINT", forward);
      if (received) process.exit(128 + os.constants.signals[received]);
      resolve({ status, stderr });
    });
  });
}
