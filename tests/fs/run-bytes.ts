/**
 * A compiled tool run to its end with its stdout kept as raw bytes (paths need not be UTF-8),
 * in an environment of PATH, HOME and `env` only.
 */

export interface BytesResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

export async function runForBytes(
  command: string[],
  { home, cwd, env = {} }: { home: string; cwd?: string; env?: Record<string, string> },
): Promise<BytesResult> {
  const proc = Bun.spawn(command, {
    ...(cwd ? { cwd } : {}),
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, ...env },
  });
  const [exitCode, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).arrayBuffer().then((bytes) => Buffer.from(bytes)),
    new Response(proc.stderr).text(),
  ]);
  return { exitCode, stdout, stderr };
}
