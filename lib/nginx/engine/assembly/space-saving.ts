/*
 * sketch/space-saving.ts's filtered Space-Saving, bit for bit (the same hashes, probes, heap
 * order and filter), over arrays in this memory that JavaScript copies back into a SpaceSaving
 * (restore) for the summary. See that file for how and why it works.
 */

@unmanaged
export class Table {
  capacity: i32;
  maxKeyBytes: i32;
  size: i32;
  replaced: i32;
  mask: i32;
  filterShift: i32;
  total: f64;
  counts: usize; // f64[capacity]
  errors: usize; // f64[capacity]
  ranks: usize; // f64[capacity]
  keys: usize; // i32[capacity]
  lengths: usize; // i32[capacity]
  heap: usize; // i32[capacity]
  position: usize; // i32[capacity]
  table: usize; // i32[mask + 1]
  filter: usize; // u32[1 << filterBits]
  arena: usize; // u8[capacity * maxKeyBytes]
}

function zeroed(bytes: usize): usize {
  const at = heap.alloc(bytes);
  memory.fill(at, 0, bytes);
  return at;
}

export function newTable(capacity: i32, maxKeyBytes: i32, filterBits: i32): Table {
  const t = changetype<Table>(zeroed(offsetof<Table>()));
  t.capacity = capacity;
  t.maxKeyBytes = maxKeyBytes;
  t.filterShift = 32 - filterBits;
  t.filter = zeroed(<usize>4 << filterBits);
  t.counts = zeroed(<usize>capacity * 8);
  t.errors = zeroed(<usize>capacity * 8);
  t.ranks = zeroed(<usize>capacity * 8);
  t.keys = zeroed(<usize>capacity * 4);
  t.lengths = zeroed(<usize>capacity * 4);
  t.heap = zeroed(<usize>capacity * 4);
  t.position = zeroed(<usize>capacity * 4);
  t.arena = zeroed(<usize>capacity * maxKeyBytes);
  let tableSize = 16;
  while (tableSize < capacity * 4) tableSize *= 2;
  t.table = zeroed(<usize>tableSize * 4);
  t.mask = tableSize - 1;
  t.replaced = -1;
  return t;
}

@inline function i32At(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}
@inline function setI32(base: usize, i: i32, value: i32): void {
  store<i32>(base + (<usize>i << 2), value);
}
@inline function f64At(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}
@inline function setF64(base: usize, i: i32, value: f64): void {
  store<f64>(base + (<usize>i << 3), value);
}

@inline function home(t: Table, key: i32): i32 {
  return <i32>(<u32>(key * 0x9e3779b1) >> 7) & t.mask;
}

@inline function find(t: Table, key: i32): i32 {
  let i = home(t, key);
  for (;;) {
    const entry = i32At(t.table, i);
    if (entry == 0) return -1;
    if (i32At(t.keys, entry - 1) == key) return entry - 1;
    i = (i + 1) & t.mask;
  }
  return -1; // not reached: the table always has an empty entry
}

function insert(t: Table, key: i32, slot: i32): void {
  let i = home(t, key);
  while (i32At(t.table, i) != 0) i = (i + 1) & t.mask;
  setI32(t.table, i, slot + 1);
}

function remove(t: Table, key: i32): void {
  const mask = t.mask;
  let i = home(t, key);
  for (;;) {
    const entry = i32At(t.table, i);
    if (entry == 0) return;
    if (i32At(t.keys, entry - 1) == key) break;
    i = (i + 1) & mask;
  }
  let hole = i;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const entry = i32At(t.table, j);
    if (entry == 0) break;
    const h = home(t, i32At(t.keys, entry - 1));
    const between = hole <= j ? h > hole && h <= j : h > hole || h <= j;
    if (!between) {
      setI32(t.table, hole, entry);
      hole = j;
    }
  }
  setI32(t.table, hole, 0);
}

/** The slot of the smallest count: the heap's top once its rank is brought up to date. */
@inline function smallestSlot(t: Table): i32 {
  const slot = i32At(t.heap, 0);
  return f64At(t.ranks, slot) == f64At(t.counts, slot) ? slot : settleSmallest(t);
}

/** Heap ranks trail counts (a hit only bumps the count): re-ranks the top until it holds. */
function settleSmallest(t: Table): i32 {
  for (;;) {
    const slot = i32At(t.heap, 0);
    const count = f64At(t.counts, slot);
    if (f64At(t.ranks, slot) == count) return slot;
    setF64(t.ranks, slot, count);
    siftDown(t, 0);
  }
  return -1; // not reached
}

function siftUp(t: Table, start: i32): void {
  let index = start;
  const heap = t.heap;
  const ranks = t.ranks;
  const slot = i32At(heap, index);
  const count = f64At(ranks, slot);
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const parentSlot = i32At(heap, parent);
    if (f64At(ranks, parentSlot) <= count) break;
    setI32(heap, index, parentSlot);
    setI32(t.position, parentSlot, index);
    index = parent;
  }
  setI32(heap, index, slot);
  setI32(t.position, slot, index);
}

function siftDown(t: Table, start: i32): void {
  let index = start;
  const heap = t.heap;
  const ranks = t.ranks;
  const size = t.size;
  const slot = i32At(heap, index);
  const count = f64At(ranks, slot);
  for (;;) {
    const left = 2 * index + 1;
    if (left >= size) break;
    const right = left + 1;
    let child = left;
    if (right < size && f64At(ranks, i32At(heap, right)) < f64At(ranks, i32At(heap, left))) child = right;
    const childSlot = i32At(heap, child);
    if (f64At(ranks, childSlot) >= count) break;
    setI32(heap, index, childSlot);
    setI32(t.position, childSlot, index);
    index = child;
  }
  setI32(heap, index, slot);
  setI32(t.position, slot, index);
}

/**
 * SpaceSaving.offer: counts buf[start, end) (status > 0 prefixes "NNN "); the key's slot or -1.
 * Inlined where it is called: a hit or a filtered miss (most offers) then costs no call; taking
 * a slot is a call.
 */
@inline export function offer(t: Table, hash: i32, buf: usize, start: i32, end: i32, status: i32): i32 {
  t.total += 1;
  const full = end - start + (status > 0 ? 4 : 0);
  const key = hash ^ (full * 0x9e3779b1);
  const found = find(t, key);
  if (found >= 0) {
    setF64(t.counts, found, f64At(t.counts, found) + 1);
    t.replaced = -1;
    return found;
  }
  if (t.size < t.capacity) return takeFreeSlot(t, key, buf, start, full, status);
  const bucket = <i32>(<u32>(key * 0x85ebca6b) >> <u32>t.filterShift);
  const seen = <f64>load<u32>(t.filter + (<usize>bucket << 2));
  const slot = smallestSlot(t);
  const smallest = f64At(t.counts, slot);
  if (seen + 1 < smallest) {
    store<u32>(t.filter + (<usize>bucket << 2), <u32>(seen + 1));
    t.replaced = -1;
    return -1;
  }
  return takeSmallestSlot(t, key, buf, start, full, status, slot, smallest, seen);
}

function takeFreeSlot(t: Table, key: i32, buf: usize, start: i32, full: i32, status: i32): i32 {
  const slot = t.size;
  setI32(t.heap, slot, slot);
  setI32(t.position, slot, slot);
  t.size++;
  return fillSlot(t, key, buf, start, full, status, slot, 0);
}

/** The smallest counter's key goes (its count kept in its filter bucket); the new key takes over. */
function takeSmallestSlot(
  t: Table,
  key: i32,
  buf: usize,
  start: i32,
  full: i32,
  status: i32,
  slot: i32,
  smallest: f64,
  seen: f64,
): i32 {
  const evicted = i32At(t.keys, slot);
  const evictedBucket = <i32>(<u32>(evicted * 0x85ebca6b) >> <u32>t.filterShift);
  const at = t.filter + (<usize>evictedBucket << 2);
  if (smallest > <f64>load<u32>(at)) store<u32>(at, <u32>smallest);
  remove(t, evicted);
  return fillSlot(t, key, buf, start, full, status, slot, seen);
}

@inline function fillSlot(t: Table, key: i32, buf: usize, start: i32, full: i32, status: i32, slot: i32, base: f64): i32 {
  const prefix = status > 0 ? 4 : 0;
  const length = full < t.maxKeyBytes ? full : t.maxKeyBytes;
  setF64(t.counts, slot, base + 1);
  setF64(t.ranks, slot, base + 1);
  setF64(t.errors, slot, base);
  setI32(t.keys, slot, key);
  setI32(t.lengths, slot, length);
  let at = t.arena + <usize>slot * <usize>t.maxKeyBytes;
  if (prefix) {
    const code = status % 1000;
    store<u8>(at, <u8>(0x30 + code / 100));
    store<u8>(at, <u8>(0x30 + (code / 10) % 10), 1);
    store<u8>(at, <u8>(0x30 + code % 10), 2);
    store<u8>(at, 0x20, 3);
    at += 4;
  }
  memory.copy(at, buf + <usize>start, <usize>(length - prefix));
  insert(t, key, slot);
  if (i32At(t.position, slot) == 0 && t.size == t.capacity) siftDown(t, 0);
  else siftUp(t, i32At(t.position, slot));
  t.replaced = slot;
  return slot;
}
