/**
 * Filtered Space-Saving heavy hitters (Metwally et al.; Homem & Carvalho's filter) over byte
 * keys: `capacity` counters on a min-heap, each key's bytes copied into a fixed arena (no
 * strings on the hot path), and an array of filter counters indexed by hash that absorbs the
 * long tail: an unmonitored key only takes a counter once its filter bucket reaches the
 * smallest counter, so millions of one-off URLs cost one array increment each instead of an
 * eviction.
 * Guarantees: count - error <= true count <= count for every entry; every error <= the
 * smallest counter (minCount); any key not in the summary occurred at most minCount times.
 */
import { keyOf } from "./hash.ts";

/**
 * "NNN" as ASCII for 0..999. A table, not status / 100: the division's double result made the
 * optimised offer() bail out to the slow tier on every statusPath eviction (thousands of OSR exits).
 */
const statusDigits = new Uint8Array(3000);
for (let n = 0; n < 1000; n++) {
  statusDigits[3 * n] = 0x30 + Math.floor(n / 100);
  statusDigits[3 * n + 1] = 0x30 + (Math.floor(n / 10) % 10);
  statusDigits[3 * n + 2] = 0x30 + (n % 10);
}

export interface HeavyHitter {
  key: Uint8Array;
  count: number;
  error: number;
  /** Counter slot (callers keep per-key data by slot). */
  slot: number;
}

/** Every part of a SpaceSaving: what the WebAssembly engine's copy hands back (restore). */
export interface SpaceSavingState {
  capacity: number;
  maxKeyBytes: number;
  total: number;
  size: number;
  replaced: number;
  counts: Float64Array;
  errors: Float64Array;
  ranks: Float64Array;
  keys: Int32Array;
  lengths: Int32Array;
  heap: Int32Array;
  position: Int32Array;
  table: Int32Array;
  filter: Uint32Array;
  arena: Uint8Array;
}

export class SpaceSaving {
  readonly capacity: number;
  readonly maxKeyBytes: number;
  /** Items offered (N). */
  total = 0;
  size = 0;
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  private readonly keys: Int32Array;
  private readonly lengths: Int32Array;
  private readonly arena: Uint8Array;
  /**
   * heap[i] = slot; position[slot] = i. A lazy min-heap: ordered on `ranks`, each slot's count
   * when it last moved in the heap. A hit only raises counts[slot] (most offers are hits, and
   * most of those used to pay a siftDown); since counts never fall, ranks <= counts everywhere,
   * so once the root's rank equals its count the root is the true minimum (see smallestSlot).
   */
  private readonly ranks: Float64Array;
  private readonly heap: Int32Array;
  private readonly position: Int32Array;
  /** Open-addressing table key -> slot + 1 (0 = empty): several times faster than a Map here. */
  private readonly table: Int32Array;
  private readonly mask: number;

  /** Filter counters: upper bounds on the unmonitored occurrences of keys hashing there. */
  private readonly filter: Uint32Array;
  private readonly filterShift: number;

  constructor(capacity: number, maxKeyBytes = 256, filterBits = 16) {
    this.filter = new Uint32Array(1 << filterBits);
    this.filterShift = 32 - filterBits;
    this.capacity = capacity;
    this.maxKeyBytes = maxKeyBytes;
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.ranks = new Float64Array(capacity);
    this.keys = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.arena = new Uint8Array(capacity * maxKeyBytes);
    this.heap = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
    let tableSize = 16;
    while (tableSize < capacity * 4) tableSize *= 2;
    this.table = new Int32Array(tableSize);
    this.mask = tableSize - 1;
  }

  private home(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 7) & this.mask;
  }

  private find(key: number): number {
    const table = this.table;
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const entry = table[i] as number;
      if (entry === 0) return -1;
      if (keys[entry - 1] === key) return entry - 1;
      i = (i + 1) & mask;
    }
  }

  private insert(key: number, slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = this.home(key);
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  /** Linear-probing delete with backward shift (no tombstones to slow later lookups). */
  private remove(key: number): void {
    const table = this.table;
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(key);
    for (;;) {
      const entry = table[i] as number;
      if (entry === 0) return;
      if (keys[entry - 1] === key) break;
      i = (i + 1) & mask;
    }
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const entry = table[j] as number;
      if (entry === 0) break;
      const home = this.home(keys[entry - 1] as number);
      // Move entry j into the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = entry;
        hole = j;
      }
    }
    table[hole] = 0;
  }

  /** Slot whose counter was just reset (a new key took it), or -1; lets callers keep per-key data. */
  replaced = -1;

  /**
   * Counts one occurrence of buf[start, end) whose hash the caller already computed; status
   * 100..599 prefixes the key with "NNN ", 0 for none. Returns the key's slot, or -1 if the key
   * only went to the filter. No optional parameters: a call with fewer arguments than declared
   * went through JSC's arity fixup on every line (~3-5% of a full report).
   */
  offer(hash: number, buf: Uint8Array, start: number, end: number, status: number): number {
    this.total++;
    // A status (100..599) prefixes the key with "NNN " (status x path) without a copy per line.
    const prefix = status > 0 ? 4 : 0;
    const length = Math.min(end - start + prefix, this.maxKeyBytes);
    const key = keyOf(hash, end - start + prefix);
    const found = this.find(key);
    if (found >= 0) {
      this.counts[found] = (this.counts[found] as number) + 1;
      this.replaced = -1;
      return found;
    }
    let slot: number;
    let base = 0;
    if (this.size < this.capacity) {
      slot = this.size;
      this.heap[slot] = slot;
      this.position[slot] = slot;
      this.size++;
    } else {
      const bucket = Math.imul(key, 0x85ebca6b) >>> this.filterShift;
      const seen = this.filter[bucket] as number;
      slot = this.smallestSlot();
      const smallest = this.counts[slot] as number;
      if (seen + 1 < smallest) {
        this.filter[bucket] = seen + 1;
        this.replaced = -1;
        return -1;
      }
      // Evict the smallest; its count stays as the bound of its bucket.
      const evicted = this.keys[slot] as number;
      const evictedBucket = Math.imul(evicted, 0x85ebca6b) >>> this.filterShift;
      if (smallest > (this.filter[evictedBucket] as number)) this.filter[evictedBucket] = smallest;
      this.remove(evicted);
      base = seen;
    }
    this.counts[slot] = base + 1;
    this.ranks[slot] = base + 1;
    this.errors[slot] = base;
    this.keys[slot] = key;
    this.lengths[slot] = length;
    // A plain loop: subarray() would allocate a view per new key.
    const arena = this.arena;
    let at = slot * this.maxKeyBytes;
    if (prefix) {
      const digits = 3 * (status % 1000);
      arena[at++] = statusDigits[digits] as number;
      arena[at++] = statusDigits[digits + 1] as number;
      arena[at++] = statusDigits[digits + 2] as number;
      arena[at++] = 0x20;
    }
    const base0 = at - start;
    for (let i = start; i < start + length - prefix; i++) arena[base0 + i] = buf[i] as number;
    this.insert(key, slot);
    if (this.position[slot] === 0 && this.size === this.capacity) this.siftDown(0);
    else this.siftUp(this.position[slot] as number);
    this.replaced = slot;
    return slot;
  }

  /**
   * Takes over the state of a copy of this summary kept elsewhere (lib/nginx/engine's
   * WebAssembly tables, the same algorithm over the same arrays); its sizes must be this one's.
   */
  restore(state: SpaceSavingState): void {
    if (
      state.capacity !== this.capacity ||
      state.maxKeyBytes !== this.maxKeyBytes ||
      state.table.length !== this.table.length ||
      state.filter.length !== this.filter.length
    )
      throw new Error("Space-Saving state of another size");
    this.total = state.total;
    this.size = state.size;
    this.replaced = state.replaced;
    this.counts.set(state.counts);
    this.errors.set(state.errors);
    this.ranks.set(state.ranks);
    this.keys.set(state.keys);
    this.lengths.set(state.lengths);
    this.heap.set(state.heap);
    this.position.set(state.position);
    this.table.set(state.table);
    this.filter.set(state.filter);
    this.arena.set(state.arena);
  }

  /** Key bytes, count and error of one slot. */
  slotEntry(slot: number): HeavyHitter {
    const start = slot * this.maxKeyBytes;
    return {
      key: this.arena.slice(start, start + (this.lengths[slot] as number)),
      count: this.counts[slot] as number,
      error: this.errors[slot] as number,
      slot,
    };
  }

  /** Smallest counter when full (the bound on any absent item's count), else 0. */
  minCount(): number {
    return this.size < this.capacity ? 0 : (this.counts[this.smallestSlot()] as number);
  }

  /** The slot with the smallest count: brings stale roots up to date until the root's rank is its count. */
  private smallestSlot(): number {
    const ranks = this.ranks;
    const counts = this.counts;
    for (;;) {
      const slot = this.heap[0] as number;
      const count = counts[slot] as number;
      if (ranks[slot] === count) return slot;
      ranks[slot] = count;
      this.siftDown(0);
    }
  }

  /**
   * Every counter, largest first; equal counts by key bytes, so the order does not depend on the
   * order keys arrived in (threads reading pieces of a file in any order give the same table).
   */
  entries(): HeavyHitter[] {
    const result: HeavyHitter[] = [];
    for (let slot = 0; slot < this.size; slot++) result.push(this.slotEntry(slot));
    return result.sort((a, b) => b.count - a.count || Buffer.compare(a.key, b.key));
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const ranks = this.ranks;
    const slot = heap[index] as number;
    const count = ranks[slot] as number;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentSlot = heap[parent] as number;
      if ((ranks[parentSlot] as number) <= count) break;
      heap[index] = parentSlot;
      this.position[parentSlot] = index;
      index = parent;
    }
    heap[index] = slot;
    this.position[slot] = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const ranks = this.ranks;
    const size = this.size;
    const slot = heap[index] as number;
    const count = ranks[slot] as number;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= size) break;
      const right = left + 1;
      let child = left;
      if (
        right < size &&
        (ranks[heap[right] as number] as number) < (ranks[heap[left] as number] as number)
      )
        child = right;
      const childSlot = heap[child] as number;
      if ((ranks[childSlot] as number) >= count) break;
      heap[index] = childSlot;
      this.position[childSlot] = index;
      index = child;
    }
    heap[index] = slot;
    this.position[slot] = index;
  }
}
