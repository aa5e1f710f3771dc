import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import readline from "node:readline";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { FunctionIdentity, HostMessage, LambdaErrorInfo, WorkerMessage } from "./lambda-protocol";
import { UserError } from "../lib/errors";

export type InvokeOutcome = { ok: true; result: unknown } | { ok: false; error: LambdaErrorInfo };

export interface LambdaHostOptions {
  /** The handler bundle (CommonJS, exports `handler`). */
  bundleFile: string;
  /** lambda-worker.ts built to JavaScript. */
  workerFile: string;
  /** The function's environment variables; nothing else of this process's environment leaks in. */
  env: Readonly<Record<string, string>>;
  identity: FunctionIdentity;
  timeoutMs: number;
  log(line: string): void;
}

export class LambdaInitError extends UserError {
  constructor(readonly info: LambdaErrorInfo) {
    super(`the Lambda bundle failed to initialise: ${info.errorType}: ${info.errorMessage}`);
  }
}

interface Pending {
  resolve(outcome: InvokeOutcome): void;
  timer: NodeJS.Timeout;
}

/** One execution environment: a process that loaded the bundle. */
class Environment {
  private readonly pending = new Map<string, Pending>();
  private stopping = false;
  /** Timed out or exited: no new invocation may go here. */
  private discarded = false;
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: LambdaHostOptions,
  ) {
    child.on("error", (error) => options.log(`Lambda process error: ${error.message}`));
    this.exited = new Promise<void>((resolve) => child.once("exit", () => resolve())).then(() => {
      this.discarded = true;
      const how = `the Lambda process exited (code ${child.exitCode}, signal ${child.signalCode})`;
      if (!this.stopping) options.log(`${how}; the next request starts a new one`);
      this.failAll({ errorType: "Runtime.ExitError", errorMessage: how });
    });
    child.on("message", (message: WorkerMessage) => {
      if (message.type === "result") this.settle(message.id, { ok: true, result: message.result });
      if (message.type === "error") this.settle(message.id, { ok: false, error: message.error });
    });
  }

  static async start(options: LambdaHostOptions): Promise<Environment> {
    const child = fork(options.workerFile, [options.bundleFile, JSON.stringify(options.identity)], {
      env: { ...options.env },
      execArgv: [],
      silent: true,
      // Own process group: a terminal's Ctrl-C reaches only the supervisor, which stops this in order.
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on("line", options.log);
    }
    const environment = new Environment(child, options);
    const first = await Promise.race([
      once(child, "message").then(([message]) => message as WorkerMessage),
      environment.exited.then(
        (): WorkerMessage => ({
          type: "init-error",
          error: { errorType: "Runtime.ExitError", errorMessage: `the Lambda process exited during init (code ${child.exitCode})` },
        }),
      ),
    ]);
    if (first.type !== "ready") {
      child.kill();
      throw new LambdaInitError(
        first.type === "init-error"
          ? first.error
          : { errorType: "Runtime.Unknown", errorMessage: `unexpected first message ${first.type}` },
      );
    }
    return environment;
  }

  get usable(): boolean {
    return !this.discarded;
  }

  invoke(event: APIGatewayProxyEvent): Promise<InvokeOutcome> {
    const id = randomUUID();
    const { timeoutMs } = this.options;
    return new Promise((resolve) => {
      // Like Lambda, a timed-out environment is discarded with everything still running in it.
      const timer = setTimeout(() => {
        this.settle(id, {
          ok: false,
          error: { errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
        });
        this.discarded = true;
        this.child.kill("SIGKILL");
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      const message: HostMessage = { type: "invoke", id, event, deadlineMs: Date.now() + timeoutMs };
      this.child.send(message, (error) => {
        if (error)
          this.settle(id, {
            ok: false,
            error: { errorType: "Runtime.ExitError", errorMessage: `the Lambda process is gone: ${error.message}` },
          });
      });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.exited;
  }

  private settle(id: string, outcome: InvokeOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    entry.resolve(outcome);
  }

  private failAll(error: LambdaErrorInfo): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error });
  }
}

/**
 * Runs the Lambda bundle in a child process with its own environment, like one warm execution
 * environment; a crashed or timed-out environment is replaced on the next invocation.
 * Concurrent invocations share the environment (Lambda would start more; the handler is async).
 */
export class LambdaHost {
  private current?: Promise<Environment>;

  constructor(private readonly options: LambdaHostOptions) {}

  /** Starts an environment now, so an init error shows at start-up rather than on the first request. */
  async start(): Promise<void> {
    await this.environment();
  }

  async invoke(event: APIGatewayProxyEvent): Promise<InvokeOutcome> {
    let environment: Environment;
    try {
      environment = await this.environment();
    } catch (error) {
      if (error instanceof LambdaInitError) return { ok: false, error: error.info };
      throw error;
    }
    return environment.invoke(event);
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.then(
      (environment) => environment.stop(),
      () => undefined,
    );
  }

  private async environment(): Promise<Environment> {
    // A start that failed was reported to the invocation that caused it; this one starts afresh.
    const current = await this.current?.catch(() => undefined);
    if (current && !current.usable) this.current = undefined;
    if (!this.current) {
      const started = Environment.start(this.options);
      this.current = started;
      const forget = () => {
        if (this.current === started) this.current = undefined;
      };
      started.then((environment) => environment.exited.then(forget), forget);
    }
    return this.current;
  }
}
