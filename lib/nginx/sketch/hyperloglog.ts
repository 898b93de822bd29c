import { mix32 } from "./hash.ts";

/**
 * HyperLogLog with 2^14 one-byte registers (16 KiB): standard error 1.04/sqrt(16384) = 0.81%.
 * Mergeable by taking each register's maximum.
 */
export const hllPrecision = 14;
const registerCount = 1 << hllPrecision;

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.registers = registers ?? new Uint8Array(registerCount);
  }

  /** Adds a 32-bit hash (already mixed or not: it is mixed again here). */
  add(hash: number): void {
    const h = mix32(hash);
    const index = h >>> (32 - hllPrecision);
    const rest = (h << hllPrecision) | (1 << (hllPrecision - 1));
    const rank = Math.clz32(rest) + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    const mine = this.registers;
    const theirs = other.registers;
    for (let i = 0; i < registerCount; i++)
      if ((theirs[i] as number) > (mine[i] as number)) mine[i] = theirs[i] as number;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < registerCount; i++) {
      const r = this.registers[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const m = registerCount;
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    // Linear counting is exact-ish for small sets; the 32-bit correction for very large ones.
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    const two32 = 4294967296;
    if (raw > two32 / 30) return Math.round(-two32 * Math.log(1 - raw / two32));
    return Math.round(raw);
  }
}
