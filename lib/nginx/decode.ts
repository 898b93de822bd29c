/** Turns logged bytes back into what the client sent, for display: nginx's \xHH or JSON escapes. */
import type { Escape } from "./format.ts";

const utf8 = new TextDecoder("utf-8", { fatal: false });

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** Decoded bytes of an escaped value. */
export function unescapeBytes(bytes: Uint8Array, escaping: Escape): Uint8Array {
  if (escaping === "none" || bytes.indexOf(0x5c) < 0) return bytes;
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x5c || i + 1 >= bytes.length) {
      out[n++] = b;
      continue;
    }
    const next = bytes[i + 1] as number;
    if (escaping === "default") {
      const hi = hexValue(bytes[i + 2] ?? 0);
      const lo = hexValue(bytes[i + 3] ?? 0);
      if (next === 0x78 && hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 3;
      } else out[n++] = b;
      continue;
    }
    // escaping=json
    const simple: Record<number, number> = {
      34: 0x22,
      92: 0x5c,
      47: 0x2f,
      98: 8,
      102: 12,
      110: 10,
      114: 13,
      116: 9,
    };
    const mapped = simple[next];
    if (mapped !== undefined) {
      out[n++] = mapped;
      i += 1;
    } else if (next === 0x75 && i + 5 < bytes.length) {
      const code = Number.parseInt(String.fromCharCode(...bytes.subarray(i + 2, i + 6)), 16);
      if (Number.isNaN(code)) out[n++] = b;
      else {
        // nginx only writes \u00XX for control bytes; anything else goes through UTF-8.
        const encoded = new TextEncoder().encode(String.fromCharCode(code));
        for (const e of encoded) out[n++] = e;
        i += 5;
      }
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

export function decodeValue(bytes: Uint8Array, escaping: Escape): string {
  return utf8.decode(unescapeBytes(bytes, escaping));
}

/** Raw log bytes kept as a latin1 string (state files) -> bytes. */
export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "latin1"));
}

export function bytesToLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}
