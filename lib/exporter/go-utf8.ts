/**
 * Bytes as Go's regexp reads them (utf8.DecodeRune): each byte that does not start a valid UTF-8
 * sequence is one U+FFFD. TextDecoder differs: it folds a cut-off sequence (E2 82) into a single
 * U+FFFD, so `^.$` would match where Go sees two characters.
 */

export interface GoText {
  text: string;
  /** byteAt[i]: the byte offset of UTF-16 index i of `text` (length text.length + 1). */
  byteAt: number[];
}

/** The range the second byte of a sequence must be in, by its first byte (Go's acceptRanges). */
function secondByteRange(first: number): [number, number] {
  if (first === 0xe0) return [0xa0, 0xbf];
  if (first === 0xed) return [0x80, 0x9f];
  if (first === 0xf0) return [0x90, 0xbf];
  if (first === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}

/** Byte length of the sequence at `at`, or 1 for an invalid byte. */
function sequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at] as number;
  if (first < 0x80) return 1;
  const length = first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : 0;
  const size = length || (first >= 0xf0 && first <= 0xf4 ? 4 : 0);
  if (size === 0 || at + size > bytes.length) return 0;
  const [low, high] = secondByteRange(first);
  const second = bytes[at + 1] as number;
  if (second < low || second > high) return 0;
  for (let i = 2; i < size; i++) {
    const next = bytes[at + i] as number;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return size;
}

export function decodeGoUtf8(bytes: Uint8Array): GoText {
  let text = "";
  const byteAt: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = sequenceLength(bytes, at);
    const char = size === 0 ? "\uFFFD" : Buffer.from(bytes.subarray(at, at + size)).toString();
    for (let unit = 0; unit < char.length; unit++) byteAt.push(at);
    text += char;
    at += size || 1;
  }
  byteAt.push(at);
  return { text, byteAt };
}
