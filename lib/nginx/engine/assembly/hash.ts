/* sketch/hash.ts's hashRange, bit for bit. */
import { byteAt } from "./format";

export function hashRange(buf: usize, start: i32, end: i32): i32 {
  let h: i32 = 0x811c9dc5 ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    h = (h ^ load<i32>(buf + <usize>i)) * 0x9e3779b1;
    h ^= <i32>(<u32>h >> 15);
  }
  for (; i < end; i++) h = (h ^ byteAt(buf, i)) * 0x01000193;
  return h;
}
