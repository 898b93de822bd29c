/**
 * Paths on Linux are bytes. A path is kept as a JS string while every component is valid UTF-8
 * (the fast, common case) and as a Buffer of raw bytes once one is not: node:fs accepts both.
 */

import { isUtf8 as isValidUtf8 } from "node:buffer";
import { win32 } from "node:path";

export type FsPath = string | Buffer;

const slash = Buffer.from("/");

/** dir + "/" + name, staying a string unless either side is raw bytes. */
export function joinPath(dir: FsPath, name: FsPath): FsPath {
  if (typeof dir === "string" && typeof name === "string") {
    return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
  }
  const dirBytes = toBytes(dir);
  const nameBytes = toBytes(name);
  return dirBytes[dirBytes.length - 1] === 0x2f
    ? Buffer.concat([dirBytes, nameBytes])
    : Buffer.concat([dirBytes, slash, nameBytes]);
}

/** path + suffix (NAME.gz, a temp's name), staying a string unless the path is raw bytes. */
export function withSuffix(path: FsPath, suffix: string): FsPath {
  return typeof path === "string" ? path + suffix : Buffer.concat([path, Buffer.from(suffix)]);
}

/** A path that crossed postMessage: raw bytes arrive as a Uint8Array and become a Buffer again. */
export function asFsPath(path: FsPath | Uint8Array): FsPath {
  return typeof path === "string" || Buffer.isBuffer(path)
    ? path
    : Buffer.from(path.buffer, path.byteOffset, path.byteLength);
}

export function toBytes(path: FsPath): Buffer {
  return typeof path === "string" ? Buffer.from(path) : path;
}

/** Lossy text for humans and matching: invalid bytes become U+FFFD. */
export function toText(path: FsPath): string {
  return typeof path === "string" ? path : path.toString("utf8");
}

/**
 * True when the bytes are valid UTF-8 (they survive a decode/encode round trip: no surrogates,
 * no overlong forms). node:buffer's check allocates nothing, where a round trip made two copies.
 */
export function isUtf8(bytes: Uint8Array): boolean {
  return isValidUtf8(bytes);
}

/** A path as the walk gives it: text when its bytes are UTF-8, the bytes themselves otherwise. */
export function textIfUtf8(bytes: Buffer): FsPath {
  return isUtf8(bytes) ? bytes.toString("utf8") : bytes;
}

/** Byte-wise order (what `sort` with LC_ALL=C gives), for strings and raw paths alike. */
export function comparePaths(a: FsPath, b: FsPath): number {
  if (typeof a === "string" && typeof b === "string" && isAscii(a) && isAscii(b)) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return Buffer.compare(toBytes(a), toBytes(b));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The last component, as text (lossy). */
export function baseName(path: FsPath): string {
  const text = toText(path).replace(/\/+$/, "");
  const slashAt = text.lastIndexOf("/");
  return slashAt < 0 ? text : text.slice(slashAt + 1);
}

/** C0 controls, DEL and C1 controls: a newline in a name would start a forged line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const controlChars = /[\x00-\x1f\x7f-\x9f]/;

/**
 * Text for a human line that loses nothing and stays one line: bytes that are not UTF-8 and
 * control characters are shown as \xNN (and a backslash as \\ only in that case, so ordinary
 * paths print unchanged).
 */
export function displayPath(path: FsPath): string {
  if (typeof path === "string") {
    if (!controlChars.test(path)) return path;
  } else if (isUtf8(path)) {
    const text = path.toString("utf8");
    if (!controlChars.test(text)) return text;
  }
  const bytes = toBytes(path);
  let out = "";
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    const chunk = length === 0 ? "" : bytes.subarray(i, i + length).toString("utf8");
    if (length === 0 || controlChars.test(chunk)) {
      for (let k = i; k < i + Math.max(1, length); k++) out += hexEscape(bytes[k] as number);
      i += Math.max(1, length);
    } else {
      out += chunk === "\\" ? "\\\\" : chunk;
      i += length;
    }
  }
  return out;
}

/** Control characters of a text (an error message naming a path) as \xNN. */
export function escapeControlChars(text: string): string {
  if (!controlChars.test(text)) return text;
  return text.replace(new RegExp(controlChars.source, "g"), (char) =>
    [...Buffer.from(char)].map(hexEscape).join(""),
  );
}

function hexEscape(byte: number): string {
  return `\\x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/** Length of the valid UTF-8 sequence starting at i, or 0 if the byte there starts none. */
function utf8SequenceLength(bytes: Buffer, i: number): number {
  const first = bytes[i] as number;
  if (first < 0x80) return 1;
  const length = first >= 0xf0 && first <= 0xf4 ? 4 : first >= 0xe0 ? 3 : first >= 0xc2 ? 2 : 0;
  if (length === 0 || (first >= 0xf0 && length !== 4) || i + length > bytes.length) return 0;
  for (let k = 1; k < length; k++) if (((bytes[i + k] as number) & 0xc0) !== 0x80) return 0;
  return isUtf8(bytes.subarray(i, i + length)) ? length : 0;
}

/**
 * `actual` (a realpath or the working directory, as the OS gives it) is the walked path `walked`.
 * On Windows the OS answers with backslashes and its own letter case, while the walk joins with
 * "/" and keeps the case it was given: compared as Windows compares (its default filesystems
 * ignore case).
 */
export function sameTextPath(actual: string, walked: string, platform = process.platform): boolean {
  if (platform !== "win32") return actual === walked;
  return win32.resolve(actual).toLowerCase() === win32.resolve(walked).toLowerCase();
}
