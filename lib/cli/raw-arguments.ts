/**
 * Command-line arguments as bytes. The runtime decodes argv as UTF-8, lossily: a path argument
 * with a byte that is not UTF-8 (a directory named by a Latin-1 system) arrives with U+FFFD in
 * its place and names nothing. On Linux the exact bytes are still in /proc/self/cmdline.
 */
import { readFileSync } from "node:fs";

let cmdline: Buffer[] | undefined;

function commandLineBytes(): Buffer[] {
  if (cmdline) return cmdline;
  try {
    const raw = readFileSync("/proc/self/cmdline");
    const parts: Buffer[] = [];
    let start = 0;
    for (let end = raw.indexOf(0); end !== -1; end = raw.indexOf(0, start)) {
      parts.push(raw.subarray(start, end));
      start = end + 1;
    }
    cmdline = parts;
  } catch {
    cmdline = [];
  }
  return cmdline;
}

/**
 * The argument's exact bytes when its text lost some in decoding (an argument that decodes to
 * `text`), else `text` itself. Two different raw arguments that decode alike are ambiguous: the
 * text is kept, and names nothing, as before.
 */
export function argumentBytes(text: string, args: Buffer[] = commandLineBytes()): string | Buffer {
  return exactBytes(text, args);
}

/**
 * argumentBytes for the value of a long flag (`--state FILE` or `--state=FILE`): in the second
 * form the value is only the tail of its argument. A value from the environment or a config file
 * has no raw argument of its own: it stays text unless an argument decodes to it.
 */
export function flagValueBytes(
  flag: string,
  text: string,
  args: Buffer[] = commandLineBytes(),
): string | Buffer {
  if (!text.includes("\uFFFD")) return text;
  const prefix = Buffer.from(`--${flag}=`);
  const values = args.map((raw) =>
    raw.subarray(0, prefix.length).equals(prefix) ? raw.subarray(prefix.length) : raw,
  );
  return exactBytes(text, values);
}

function exactBytes(text: string, args: Buffer[]): string | Buffer {
  if (!text.includes("\uFFFD")) return text;
  const exact = Buffer.from(text);
  const lossy = args.filter((raw) => !raw.equals(exact) && raw.toString() === text);
  const first = lossy[0];
  if (!first || lossy.some((raw) => !raw.equals(first))) return text;
  return Buffer.from(first);
}
