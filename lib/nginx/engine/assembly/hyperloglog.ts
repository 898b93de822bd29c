/* sketch/hyperloglog.ts's add (2^14 registers), bit for bit; JavaScript copies the registers back. */

const REGISTERS: i32 = 1 << 14;

export function newRegisters(): usize {
  const at = heap.alloc(REGISTERS);
  memory.fill(at, 0, REGISTERS);
  return at;
}

/** hash.ts's mix32, then the register update of HyperLogLog.add. */
export function addHash(registers: usize, hash: i32): void {
  let h = <u32>hash;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  const index = h >> 18;
  const rest = (h << 14) | (1 << 13);
  const rank = <u8>(clz(rest) + 1);
  const at = registers + <usize>index;
  if (rank > load<u8>(at)) store<u8>(at, rank);
}
