import { ExitCode } from "./exit-codes.ts";

/** An error the user can fix by changing the command line; exits 2. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  override name = "UsageError";
}

/** A bad configuration file or environment value; exits 2. */
export class ConfigError extends Error {
  readonly exitCode = ExitCode.usage;
  override name = "ConfigError";
}

/** Anything thrown that carries its own exit code (UsageError, ConfigError, ...). */
export function exitCodeOf(error: unknown): number {
  if (error && typeof error === "object" && "exitCode" in error) {
    const code = (error as { exitCode: unknown }).exitCode;
    if (typeof code === "number") return code;
  }
  return ExitCode.failure;
}

/** One line for stderr: the message, never a stack trace (that is for --debug). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message || String(error);
    return code && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(error);
}
