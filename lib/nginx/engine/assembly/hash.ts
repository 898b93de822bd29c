/* sketch/hash.ts's hashRange, bit for bit: a key of 32 bytes or more starts in four lanes (SIMD). */
import { byteAt } from "./format";

@inline export function hashRange(buf: usize, start: i32, end: i32): i32 {
  let h: i32 = 0x811c9dc5 ^ (end - start);
  let i = start;
  if (end - start >= 32) {
    h = hashLanes(buf, start, end, h);
    i = start + ((end - start) & ~15);
  }
  for (; i + 4 <= end; i += 4) {
    h = (h ^ load<i32>(buf + <usize>i)) * 0x9e3779b1;
    h ^= <i32>(<u32>h >> 15);
  }
  for (; i < end; i++) h = (h ^ byteAt(buf, i)) * 0x01000193;
  return h;
}

/** The whole 16-byte blocks of buf[start, end) in four lanes, then the lanes folded into one. */
function hashLanes(buf: usize, start: i32, end: i32, seed: i32): i32 {
  let lanes = v128.xor(i32x4.splat(seed), i32x4(0, <i32>0x85ebca6b, <i32>0xc2b2ae35, <i32>0x27d4eb2f));
  const k = i32x4.splat(0x9e3779b1);
  for (let i = start; i + 16 <= end; i += 16) {
    lanes = i32x4.mul(v128.xor(lanes, v128.load(buf + <usize>i)), k);
    lanes = v128.xor(lanes, i32x4.shr_u(lanes, 15));
  }
  let h = i32x4.extract_lane(lanes, 0);
  h = (h ^ i32x4.extract_lane(lanes, 1)) * 0x9e3779b1;
  h ^= <i32>(<u32>h >> 15);
  h = (h ^ i32x4.extract_lane(lanes, 2)) * 0x9e3779b1;
  h ^= <i32>(<u32>h >> 15);
  h = (h ^ i32x4.extract_lane(lanes, 3)) * 0x9e3779b1;
  return h ^ <i32>(<u32>h >> 15);
}
