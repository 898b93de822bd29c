/**
 * The floor of a Bun program for bench/fs: counts *.log under a directory with getdents64 through
 * bun:ffi in one tight loop (no CLI, no errors, no pipeline), compiled like the tools. The gap
 * between this and walk.c is Bun's own cost; between this and ffind, the tool's.
 * Build: bun build --compile --minify --bytecode --format=esm bare-walk.ts --outfile bare-walk
 */
import { dlopen, FFIType, ptr } from "bun:ffi";

const { open, getdents64, close } = dlopen("libc.so.6", {
  open: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  getdents64: { args: [FFIType.i32, FFIType.ptr, FFIType.u64], returns: FFIType.i64_fast },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

const O_RDONLY_DIRECTORY_CLOEXEC = 0o2200000;
const dents = new Uint8Array(65536);
const dentsAt = ptr(dents);
const pathBytes = new Uint8Array(4096);
const pathAt = ptr(pathBytes);
const encoder = new TextEncoder();

function countLogs(root: string): number {
  let count = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    pathBytes[encoder.encodeInto(dir, pathBytes).written] = 0;
    const fd = open(pathAt, O_RDONLY_DIRECTORY_CLOEXEC);
    if (fd < 0) continue;
    for (;;) {
      const n = Number(getdents64(fd, dentsAt, dents.length));
      if (n <= 0) break;
      for (let at = 0; at < n; ) {
        const reclen = (dents[at + 16] as number) | ((dents[at + 17] as number) << 8);
        const type = dents[at + 18] as number;
        const start = at + 19;
        let end = start;
        while (dents[end] !== 0) end++;
        at += reclen;
        if (type === 4) {
          if (
            dents[start] === 0x2e &&
            (end === start + 1 || (end === start + 2 && dents[start + 1] === 0x2e))
          )
            continue;
          stack.push(`${dir}/${Buffer.from(dents.subarray(start, end)).toString("latin1")}`);
        } else if (
          end - start >= 4 &&
          dents[end - 4] === 0x2e &&
          dents[end - 3] === 0x6c &&
          dents[end - 2] === 0x6f &&
          dents[end - 1] === 0x67
        )
          count++;
      }
    }
    close(fd);
  }
  return count;
}

console.log(countLogs(process.argv[2] ?? "."));
