/**
 * C compiled at run time by the TinyCC built into Bun (bun:ffi cc, a few ms), for ffind's threads
 * (walker.c). The source goes in through a memfd (Bun's cc also refreshes its own headers in
 * $TMPDIR/bun-cc-<uid> when it can; unwritable, it compiles all the same, as walker.c includes
 * none) with -nostdlib: a host without libc's development files has neither
 * headers nor linker script, so a C file includes nothing and gets libc's functions as pointers
 * (dlsym) through its `<prefix>_setup(table)`, in the order it declares them. Undefined wherever
 * that fails (not Linux, no TinyCC for the target, no memfd, no executable memory, a layout check
 * failing, OPSCTL_FS_COMPILED=0): callers then do the work in JavaScript.
 */

import type { FFIFunction } from "bun:ffi";
import { closeSync, writeSync } from "node:fs";
import { libcNames } from "./libc.ts";

/** The compiled code must outlive every call into it: kept for the process. */
const keptAlive = new Set<unknown>();

export function compileC<Symbols>(
  name: string,
  source: string,
  symbols: Record<string, FFIFunction>,
  libcFunctions: readonly string[],
  setup: string,
): Symbols | undefined {
  if (process.platform !== "linux" || process.env.OPSCTL_FS_COMPILED === "0") return undefined;
  try {
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const lookup = libcLookup(ffi);
    if (!lookup) return undefined;
    const fd = lookup.memfd(Buffer.from(`${name}\0`), 1 /* MFD_CLOEXEC */);
    if (fd < 0) return undefined;
    let library: ReturnType<typeof ffi.cc>;
    try {
      writeSync(fd, source);
      library = ffi.cc({
        source: `/proc/self/fd/${fd}`,
        library: [],
        flags: ["-nostdlib"],
        symbols: { ...symbols, [setup]: { args: [ffi.FFIType.ptr], returns: ffi.FFIType.void } },
      });
    } finally {
      closeSync(fd);
    }
    const table = new BigUint64Array(libcFunctions.length);
    for (let i = 0; i < libcFunctions.length; i++) {
      const address = lookup.address(libcFunctions[i] as string);
      if (!address) return undefined;
      table[i] = BigInt(address);
    }
    const compiled = library.symbols as unknown as Record<string, (...args: unknown[]) => unknown>;
    (compiled[setup] as (table: unknown) => void)(ffi.ptr(table)); // the C side copies them
    keptAlive.add(library);
    return compiled as Symbols;
  } catch {
    return undefined;
  }
}

/** dlsym and memfd_create from libc (dlsym is in libdl before glibc 2.34). */
function libcLookup(ffi: typeof import("bun:ffi")) {
  const { FFIType } = ffi;
  for (const name of libcNames) {
    try {
      const libc = ffi.dlopen(name, {
        memfd_create: { args: [FFIType.cstring, FFIType.u32], returns: FFIType.i32 },
      });
      let dlsym: ((handle: null, name: Buffer) => number | null) | undefined;
      for (const from of [name, "libdl.so.2"]) {
        try {
          const lib = ffi.dlopen(from, {
            dlsym: { args: [FFIType.ptr, FFIType.cstring], returns: FFIType.ptr },
          });
          dlsym = lib.symbols.dlsym as never;
          break;
        } catch {
          // not in this library: try the next
        }
      }
      if (!dlsym) return undefined;
      const find = dlsym;
      return {
        memfd: libc.symbols.memfd_create as unknown as (name: Buffer, flags: number) => number,
        // RTLD_DEFAULT (a null handle): the process's own libc, the one Bun runs on.
        address: (symbol: string) => find(null, Buffer.from(`${symbol}\0`)),
      };
    } catch {
      // not this libc: try the next
    }
  }
  return undefined;
}
