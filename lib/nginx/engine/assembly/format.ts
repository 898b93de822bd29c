/*
 * scanner.ts's scan in WebAssembly: the compiled log_format (JavaScript writes it here once,
 * see scan-engine.ts's configure) walked over a line to find each variable's byte range.
 */

const MAX_VARIABLES: i32 = 64;

const KIND_PLAIN: u8 = 0;
const KIND_QUOTED_JSON: u8 = 1;
const KIND_LIST: u8 = 2;
const KIND_LAST: u8 = 3;
const KIND_QUOTED: u8 = 4;

// The compiled format (configure): leading literal, then per variable its kind and literal.
const leading = memory.data(256);
const kinds = memory.data(MAX_VARIABLES);
const literalStart = memory.data(MAX_VARIABLES * 4);
const literalLength = memory.data(MAX_VARIABLES * 4);
const literals = memory.data(4096);
// Per variable, what scanLine reads for it in one place (setFormat): the first byte of its
// literal splatted for the SIMD search, then kind, literal length, and up to the literal's first
// 4 bytes as one little-endian word with its mask (a literal that short is matched with one load
// instead of a byte loop).
const RECORD_SHIFT: usize = 5;
const records = memory.data(MAX_VARIABLES << 5, 16);
const starts = memory.data(MAX_VARIABLES * 4);
const ends = memory.data(MAX_VARIABLES * 4);

let variableCount: i32 = 0;
let leadingLength: i32 = 0;

/** After JavaScript wrote the format (formatAreas): its size, and each literal's word. */
export function setFormat(variables: i32, leadingBytes: i32): void {
  variableCount = variables;
  leadingLength = leadingBytes;
  for (let i = 0; i < variables; i++) {
    const lit = literals + <usize>load<i32>(literalStart + (<usize>i << 2));
    const length = load<i32>(literalLength + (<usize>i << 2));
    let word: u32 = 0;
    let mask: u32 = 0;
    for (let k = 0; k < length && k < 4; k++) {
      word |= <u32>load<u8>(lit + <usize>k) << (8 * k);
      mask |= <u32>0xff << (8 * k);
    }
    const record = records + (<usize>i << RECORD_SHIFT);
    v128.store(record, i8x16.splat(<i8>load<u8>(lit)));
    // A quoted value is searched as a plain one: one test for both (scanLine).
    const kind = load<u8>(kinds + <usize>i);
    store<u32>(record, kind == KIND_QUOTED ? KIND_PLAIN : kind, 16);
    store<i32>(record, length, 20);
    store<u32>(record, word, 24);
    store<u32>(record, mask, 28);
  }
}

/** Format area for JavaScript to fill before configure(): leading, kinds, literal starts/lengths, literal bytes. */
export function formatAreas(): usize {
  const table = memory.data(5 * 4);
  store<u32>(table, <u32>leading);
  store<u32>(table, <u32>kinds, 4);
  store<u32>(table, <u32>literalStart, 8);
  store<u32>(table, <u32>literalLength, 12);
  store<u32>(table, <u32>literals, 16);
  return table;
}

@inline export function byteAt(buf: usize, i: i32): i32 {
  return <i32>load<u8>(buf + <usize>i);
}

/** First i in [from, to) with buf[i] == c, else to. */
@inline export function findByte(buf: usize, from: i32, to: i32, c: i32): i32 {
  return findSplat(buf, from, to, i8x16.splat(<i8>c));
}

/**
 * findByte for a far byte (the end of a ~200-byte line): 64 bytes a step, one test for all
 * four blocks, then the block that holds it.
 */
export function findFar(buf: usize, from: i32, to: i32, c: i32): i32 {
  const pattern = i8x16.splat(<i8>c);
  let p = from;
  while (p + 64 <= to) {
    const at = buf + <usize>p;
    const a = i8x16.eq(v128.load(at), pattern);
    const b = i8x16.eq(v128.load(at, 16), pattern);
    const c = i8x16.eq(v128.load(at, 32), pattern);
    const d = i8x16.eq(v128.load(at, 48), pattern);
    if (v128.any_true(v128.or(v128.or(a, b), v128.or(c, d)))) break;
    p += 64;
  }
  return findSplat(buf, p, to, pattern);
}

/**
 * First i in [from, to) whose byte is the one `pattern` holds in every lane, else to. The last
 * block is read whole and its lanes past `to` masked off: every buffer this reads has 16 spare
 * bytes past its end (scan.ts: buffer, growBuffer, scratch).
 */
@inline function findSplat(buf: usize, from: i32, to: i32, pattern: v128): i32 {
  let p = from;
  while (p + 16 <= to) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(buf + <usize>p), pattern));
    if (mask != 0) return p + <i32>ctz(mask);
    p += 16;
  }
  if (p < to) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(buf + <usize>p), pattern)) & ((1 << (to - p)) - 1);
    if (mask != 0) return p + <i32>ctz(mask);
  }
  return to;
}

/** scanner.ts's compiled scan: each variable's range into starts/ends; false if the line does not fit. */
export function scanLine(buf: usize, start: i32, end: i32, limit: i32): bool {
  let pos = start;
  for (let k = 0; k < leadingLength; k++) {
    if (pos >= end || byteAt(buf, pos) != <i32>load<u8>(leading + <usize>k)) return false;
    pos++;
  }
  for (let i = 0; i < variableCount; i++) {
    store<i32>(starts + (<usize>i << 2), pos);
    const record = records + (<usize>i << RECORD_SHIFT);
    const kind = load<u32>(record, 16);
    if (kind == KIND_LAST) {
      store<i32>(ends + (<usize>i << 2), end);
      return true;
    }
    const litLength = load<i32>(record, 20);
    const pattern = v128.load(record);
    let p = pos;
    for (;;) {
      if (kind == KIND_PLAIN) {
        p = findSplat(buf, p, end, pattern);
      } else if (kind == KIND_QUOTED_JSON) {
        const first = <i32>load<u8>(record);
        while (p < end) {
          const b = byteAt(buf, p);
          if (b == 0x5c) p += 2;
          else if (b == first) break;
          else p++;
        }
      } else if (kind == KIND_LIST) {
        p = findSplat(buf, p, end, pattern);
        if (p < end && p > pos) {
          if (byteAt(buf, p - 1) == 0x2c) {
            p++;
            continue;
          }
          // JavaScript reads past the buffer as undefined: never ':' or ' '.
          if (p + 1 < limit && byteAt(buf, p + 1) == 0x3a && p + 2 < limit && byteAt(buf, p + 2) == 0x20) {
            p += 3;
            continue;
          }
        }
      }
      if (p + litLength > end) return false;
      if (litLength <= 4) {
        // The bytes past the literal are masked off (the buffer has 16 spare bytes to read).
        if ((load<u32>(buf + <usize>p) & load<u32>(record, 28)) == load<u32>(record, 24)) break;
        p++;
        continue;
      }
      const lit = literals + <usize>load<i32>(literalStart + (<usize>i << 2));
      let matches = true;
      for (let k = 1; k < litLength; k++)
        if (byteAt(buf, p + k) != <i32>load<u8>(lit + <usize>k)) {
          matches = false;
          break;
        }
      if (matches) break;
      p++;
    }
    store<i32>(ends + (<usize>i << 2), p);
    pos = p + litLength;
  }
  return pos == end;
}

@inline export function startOf(i: i32): i32 {
  return load<i32>(starts + (<usize>i << 2));
}
@inline export function endOf(i: i32): i32 {
  return load<i32>(ends + (<usize>i << 2));
}

/** hash.ts's hashRange, bit for bit. */