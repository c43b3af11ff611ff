/**
 * The per-coordinate FTRL state (z, n) of the coordinates a model has seen, in an open-addressing hash table made of
 * plain number arrays: it round-trips through JSON and msgpack unchanged, costs three numbers per slot, and grows
 * with the coordinates actually touched rather than with the 2^bits hashed space.
 */

export interface CoordinateStore {
  /** Slot s holds coordinate `keys[s] - 1`; 0 marks an empty slot. Length is a power of two. */
  keys: number[];
  z: number[];
  n: number[];
  /** Occupied slots. */
  used: number;
}

const MIN_CAPACITY = 1024;
/** Golden-ratio multiplier of Fibonacci hashing: spreads consecutive coordinates over the table. */
const FIBONACCI = 0x9e3779b1;

export function createCoordinateStore(capacity = MIN_CAPACITY): CoordinateStore {
  let size = MIN_CAPACITY;
  while (size < capacity) size *= 2;
  return { keys: new Array<number>(size).fill(0), z: new Array<number>(size).fill(0), n: new Array<number>(size).fill(0), used: 0 };
}

function home(coord: number, mask: number): number {
  return (Math.imul(coord + 1, FIBONACCI) >>> 0) & mask;
}

/** The slot of `coord`, or -1 when the coordinate has no state yet (its z and n are 0). */
export function findSlot(store: CoordinateStore, coord: number): number {
  const { keys } = store;
  const mask = keys.length - 1;
  const key = coord + 1;
  for (let s = home(coord, mask); ; s = (s + 1) & mask) {
    const k = keys[s]!;
    if (k === key) return s;
    if (k === 0) return -1;
  }
}

/** Grows the table so that `extra` more coordinates fit without moving any slot (it stays at most half full). */
export function reserve(store: CoordinateStore, extra: number): void {
  while ((store.used + extra) * 2 > store.keys.length) grow(store);
}

/** The slot of `coord`, created with z = n = 0 when missing. Slots stay put unless the table has to grow. */
export function claimSlot(store: CoordinateStore, coord: number): number {
  const found = findSlot(store, coord);
  if (found >= 0) return found;
  reserve(store, 1);
  const { keys } = store;
  const mask = keys.length - 1;
  let s = home(coord, mask);
  while (keys[s] !== 0) s = (s + 1) & mask;
  keys[s] = coord + 1;
  store.used++;
  return s;
}

/** Calls `visit` with every stored coordinate and its slot, in slot order. */
export function forEachCoordinate(store: CoordinateStore, visit: (coord: number, slot: number) => void): void {
  const { keys } = store;
  for (let s = 0; s < keys.length; s++) if (keys[s] !== 0) visit(keys[s]! - 1, s);
}

function grow(store: CoordinateStore): void {
  const old = { keys: store.keys, z: store.z, n: store.n };
  const size = old.keys.length * 2;
  store.keys = new Array<number>(size).fill(0);
  store.z = new Array<number>(size).fill(0);
  store.n = new Array<number>(size).fill(0);
  const mask = size - 1;
  for (let s = 0; s < old.keys.length; s++) {
    const key = old.keys[s]!;
    if (key === 0) continue;
    let t = home(key - 1, mask);
    while (store.keys[t] !== 0) t = (t + 1) & mask;
    store.keys[t] = key;
    store.z[t] = old.z[s]!;
    store.n[t] = old.n[s]!;
  }
}
