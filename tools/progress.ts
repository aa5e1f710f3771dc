import { Presets, SingleBar } from "cli-progress";

const MB = 1024 * 1024;

/** A byte-count progress bar on stderr (silent when stderr is not a terminal). */
export function byteProgressBar(label: string): { start(total: number): void; update(done: number, detail?: string): void; stop(): void } {
  const bar = new SingleBar(
    { stream: process.stderr, format: `${label} {bar} {percentage}% | {doneMB}/{totalMB} MB | {detail}`, hideCursor: true },
    Presets.shades_classic,
  );
  let total = 0;
  const mb = (bytes: number): string => (bytes / MB).toFixed(1);
  return {
    start(totalBytes) {
      total = totalBytes;
      bar.start(totalBytes, 0, { doneMB: mb(0), totalMB: mb(total), detail: "" });
    },
    update(done, detail = "") {
      bar.update(done, { doneMB: mb(done), totalMB: mb(total), detail });
    },
    stop() {
      bar.stop();
    },
  };
}
