/**
 * Holds another process's read of one directory (a fanotify permission event: the kernel waits
 * for our answer before getdents64 goes on) so a test can change the tree at that exact point,
 * deterministically, under a compiled binary where no test hook exists. Linux, root only
 * (fanotify_init needs CAP_SYS_ADMIN).
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { run } from "../helpers/compiled.ts";

const FAN_CLASS_CONTENT = 0x4;
const FAN_CLOEXEC = 0x1;
const FAN_NONBLOCK = 0x2;
const FAN_MARK_ADD = 0x1;
const FAN_ACCESS_PERM = 0x20000;
const FAN_ONDIR = 0x40000000;
const FAN_ALLOW = 0x1;
const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;
/** struct fanotify_event_metadata: event_len u32, vers u8, reserved u8, metadata_len u16, mask u64, fd i32, pid i32. */
const metadataSize = 24;

/** Loaded on first use: importing this file costs nothing where fanotify is not used. */
const load = () =>
  dlopen("libc.so.6", {
    fanotify_init: { args: [FFIType.u32, FFIType.u32], returns: FFIType.i32 },
    fanotify_mark: {
      args: [FFIType.i32, FFIType.u32, FFIType.u64, FFIType.i32, FFIType.ptr],
      returns: FFIType.i32,
    },
    read: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64_fast },
    write: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64_fast },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
  }).symbols;
let libc: ReturnType<typeof load>;

export class ReadGate {
  /** Reads held and let go so far. */
  reads = 0;
  private readonly events = new Uint8Array(4096);
  private readonly answer = new Uint8Array(8);

  private constructor(private readonly fd: number) {}

  /** Starts holding every read of the directory `dir` (its inode, wherever it is renamed to). */
  static on(dir: string): ReadGate {
    libc ??= load();
    const fd = libc.fanotify_init(
      FAN_CLASS_CONTENT | FAN_NONBLOCK | FAN_CLOEXEC,
      O_RDONLY | O_CLOEXEC,
    );
    if (fd < 0) throw new Error("fanotify_init failed (not root?)");
    const path = Buffer.from(`${dir}\0`);
    if (
      libc.fanotify_mark(fd, FAN_MARK_ADD, FAN_ACCESS_PERM | FAN_ONDIR, AT_FDCWD, ptr(path)) < 0
    ) {
      libc.close(fd);
      throw new Error(`fanotify_mark ${dir} failed`);
    }
    return new ReadGate(fd);
  }

  /**
   * Answers the held reads until `done` settles: `atFirst` runs while the first one is held,
   * then every read is allowed. Closes the gate at the end.
   */
  async serve(done: Promise<unknown>, atFirst: () => void): Promise<void> {
    let finished = false;
    done.then(
      () => {
        finished = true;
      },
      () => {
        finished = true;
      },
    );
    try {
      while (!finished) {
        const length = Number(libc.read(this.fd, ptr(this.events), this.events.length));
        // Nothing held right now: let the event loop run (the child's output, its exit).
        if (length <= 0) {
          await Bun.sleep(1);
          continue;
        }
        const view = new DataView(this.events.buffer);
        for (let at = 0; at + metadataSize <= length; at += view.getUint32(at, true)) {
          const eventFd = view.getInt32(at + 16, true);
          if (this.reads++ === 0) atFirst();
          const answer = new DataView(this.answer.buffer);
          answer.setInt32(0, eventFd, true);
          answer.setUint32(4, FAN_ALLOW, true);
          libc.write(this.fd, ptr(this.answer), this.answer.length);
          libc.close(eventFd);
        }
      }
    } finally {
      // Closing the group lets any read still held go on.
      libc.close(this.fd);
    }
  }
}

/**
 * Runs a compiled tool with --json in its `command` to completion (helpers/compiled.ts run) while
 * the reads of `dir` are held: `atFirst` runs at the first one. Its NDJSON records parsed, and how
 * many reads were held (a test asserts some were, else its race never happened).
 */
export async function runHeld(
  command: string[],
  env: Record<string, string | undefined>,
  dir: string,
  atFirst: () => void,
) {
  const gate = ReadGate.on(dir);
  const output = run(command, { env });
  await gate.serve(output, atFirst);
  const { exitCode, stdout, stderr } = await output;
  const records = stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { exitCode, records, stderr, reads: gate.reads };
}

/**
 * The ways the compiled logclean reaches a directory to act in, each raced alike: the native layer
 * with openat2, the native layer one openat per component, and node:fs (the way off Linux).
 */
export const logcleanWays: { name: string; env: Record<string, string> }[] = [
  { name: "native, openat2", env: {} },
  { name: "native, openat step by step", env: { OPSCTL_FS_OPENAT2: "0" } },
  { name: "node:fs (OPSCTL_FS_NATIVE=0)", env: { OPSCTL_FS_NATIVE: "0" } },
];

/**
 * The compiled logclean `bin` (HOME `home`, plus a way's `env`) compressing the old logs of `root`
 * (--days 60 --compress-after 1; --max-delete 100 plans everything before acting on any) while
 * the reads of `held` are held: runHeld, with `atFirst` run at the first one.
 */
export function compressHeld(
  logclean: { bin: string; home: string; env: Record<string, string> },
  root: string,
  held: string,
  atFirst: () => void,
) {
  return runHeld(
    [logclean.bin, root, "--days", "60", "--compress-after", "1", "--max-delete", "100", "--json"],
    { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: logclean.home, ...logclean.env },
    held,
    atFirst,
  );
}
