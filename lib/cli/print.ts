import { describeError } from "./errors.ts";
import { ExitCode } from "./exit-codes.ts";
import { Output } from "./output.ts";

/**
 * Prints a whole text (--help, --version, a completion script) and returns the exit code. A
 * stdout that fails (a full disk behind `> file`) is one error line naming stdout and exit 1, not
 * exit 0 and an empty file; a reader that left (`| head -1`, EPIPE) is not a failure.
 */
export function printText(commandName: string, text: string): number {
  const out = new Output({ json: false, color: false, isTTY: false });
  try {
    out.raw(text);
    out.flush();
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`${commandName}: error: stdout: cannot write: ${describeError(error)}\n`);
    return ExitCode.failure;
  }
}
