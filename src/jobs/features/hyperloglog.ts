/**
 * Distinct counts over sliding windows with HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007, "HyperLogLog: the
 * analysis of a near-optimal cardinality estimation algorithm"), kept as plain data for keyed state.
 *
 * A 32-bit hash is split into a register index (its first p bits) and rho, the position of the first 1-bit in the
 * remaining 32 - p bits. Each register keeps its lifetime maximum and, for sliding windows, the list of (time, rho)
 * pairs that can still be the maximum of some window ending now (as in Chabchoub and Hebrail 2010, "Sliding
 * HyperLogLog"): a pair is dropped once a later pair has a rho at least as large. The maximum of a register over the
 * window starting at time s is then the rho of its first pair with time >= s. Relative standard error: 1.04/sqrt(m).
 *
 * Small sets are kept exactly first, as in HyperLogLog++'s sparse mode (Heule, Nunkesser, Hall 2013): each distinct
 * hash with the latest time it was seen, until there are more than m/4 of them; then they are replayed into the
 * registers. Below that size counts are exact up to 32-bit hash collisions (about n^2 / 2^33 of them).
 */

export interface SlidingHll {
  /** [hash1, latest time seen 1, hash2, time2, ...] while the set is small; null once the sketch uses registers. */
  exact: number[] | null;
  /** Register index -> [lifetime max, t1, rho1, t2, rho2, ...], t ascending, rho descending. */
  registers: Record<string, number[]>;
}

export function emptyHll(): SlidingHll {
  return { exact: [], registers: {} };
}

export function hllStandardError(precision: number): number {
  return 1.04 / Math.sqrt(2 ** precision);
}

/** The register a hash lands in and its rho. */
export function hllCell(hash: number, precision: number): { register: number; rho: number } {
  const register = hash >>> (32 - precision);
  const rest = (hash << precision) >>> 0;
  return { register, rho: rest === 0 ? 32 - precision + 1 : Math.clz32(rest) + 1 };
}

/**
 * Records a hash seen at time `t` (in any integer unit the caller also uses for window starts) and drops pairs older
 * than `horizon`, which no window can reach any more.
 */
export function hllAdd(sketch: SlidingHll, precision: number, hash: number, t: number, horizon: number): void {
  const exact = sketch.exact;
  if (exact === null) {
    addToRegister(sketch.registers, precision, hash, t, horizon);
    return;
  }
  for (let i = 0; i < exact.length; i += 2) {
    if (exact[i] !== hash) continue;
    if (t > exact[i + 1]!) exact[i + 1] = t;
    return;
  }
  exact.push(hash, t);
  if (exact.length / 2 <= 2 ** precision / 4) return;
  sketch.exact = null;
  for (let i = 0; i < exact.length; i += 2) addToRegister(sketch.registers, precision, exact[i]!, exact[i + 1]!, horizon);
}

function addToRegister(registers: SlidingHll['registers'], precision: number, hash: number, t: number, horizon: number): void {
  const { register, rho } = hllCell(hash, precision);
  addToCell(registers, String(register), rho, t, horizon);
}

/**
 * Adds the sketch `other` into `sketch`, as if every value added to `other` had been added to `sketch`: the union of
 * exact sets (each hash with the later of its two times), else register by register the larger lifetime maximum and
 * the (time, rho) pairs neither side dominates. The estimates of the result equal those of one sketch fed both
 * streams, for every window starting at or after `horizon`.
 */
export function hllMerge(sketch: SlidingHll, other: SlidingHll, precision: number, horizon: number): void {
  if (other.exact !== null) {
    for (let i = 0; i < other.exact.length; i += 2) hllAdd(sketch, precision, other.exact[i]!, other.exact[i + 1]!, horizon);
    return;
  }
  if (sketch.exact !== null) {
    const exact = sketch.exact;
    sketch.exact = null;
    for (let i = 0; i < exact.length; i += 2) addToRegister(sketch.registers, precision, exact[i]!, exact[i + 1]!, horizon);
  }
  for (const [name, cell] of Object.entries(other.registers)) {
    for (let i = 1; i < cell.length; i += 2) addToCell(sketch.registers, name, cell[i + 1]!, cell[i]!, horizon);
    const target = sketch.registers[name];
    if (target === undefined) sketch.registers[name] = [cell[0]!];
    else if (cell[0]! > target[0]!) target[0] = cell[0]!;
  }
}

function addToCell(registers: SlidingHll['registers'], name: string, rho: number, t: number, horizon: number): void {
  const cell = registers[name];
  if (cell === undefined) {
    registers[name] = t >= horizon ? [rho, t, rho] : [rho];
    return;
  }
  let dominated = false;
  for (let i = 1; i < cell.length && !dominated; i += 2) dominated = cell[i]! >= t && cell[i + 1]! >= rho;
  const next = [Math.max(cell[0]!, rho)];
  let pending = !dominated && t >= horizon;
  for (let i = 1; i < cell.length; i += 2) {
    const [pt, pr] = [cell[i]!, cell[i + 1]!];
    if (pending && pt > t) {
      next.push(t, rho);
      pending = false;
    }
    if (pt >= horizon && (dominated || pt > t || pr > rho)) next.push(pt, pr);
  }
  if (pending) next.push(t, rho);
  registers[name] = next;
}

/** The estimate over the pairs with time >= `start`, or over the lifetime maxima when `start` is null. */
export function hllEstimate(sketch: SlidingHll, precision: number, start: number | null): number {
  if (sketch.exact !== null) {
    let n = 0;
    for (let i = 1; i < sketch.exact.length; i += 2) if (start === null || sketch.exact[i]! >= start) n++;
    return n;
  }
  const m = 2 ** precision;
  let sum = 0;
  let zeros = m;
  for (const cell of Object.values(sketch.registers)) {
    const value = start === null ? cell[0]! : windowMax(cell, start);
    if (value === 0) continue;
    zeros--;
    sum += 2 ** -value;
  }
  sum += zeros;
  const raw = (alpha(m) * m * m) / sum;
  if (raw <= 2.5 * m) return zeros > 0 ? m * Math.log(m / zeros) : raw;
  const two32 = 2 ** 32;
  return raw <= two32 / 30 ? raw : -two32 * Math.log(1 - raw / two32);
}

function windowMax(cell: number[], start: number): number {
  for (let i = 1; i < cell.length; i += 2) if (cell[i]! >= start) return cell[i + 1]!;
  return 0;
}

/** The bias correction constant alpha_m of the paper. */
function alpha(m: number): number {
  if (m === 16) return 0.673;
  if (m === 32) return 0.697;
  if (m === 64) return 0.709;
  return 0.7213 / (1 + 1.079 / m);
}
