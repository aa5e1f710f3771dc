/**
 * An error the user can act on from its message alone (bad configuration, a model directory that
 * cannot be deployed, a wrong command-line flag): the CLIs print the message, not a stack trace.
 * Anything else is a bug and is printed with its stack. `cause` keeps the underlying error.
 */
export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A wrong command-line argument. */
export class UsageError extends UserError {}

/** What a CLI prints for a failure: the message of a UserError, the stack of anything else. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) return error.message;
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}
