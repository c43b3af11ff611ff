/**
 * Storage for the simulated e-commerce events that are scheduled but not yet delivered: one slot per event in
 * typed arrays (what happened, to whom, in which session, when), reused through a free list. Pending events live
 * for minutes of event time; as plain objects they would survive young-generation collections and be copied into
 * the old generation by the million, which is what slowed generation most.
 */

export const enum EventKind {
  Exposure = 0,
  View = 1,
  Click = 2,
  Cart = 3,
  Purchase = 4,
}

export class SimulatedEvents {
  ts = new Float64Array(0);
  kind = new Uint8Array(0);
  user = new Int32Array(0);
  /** The item, or for an exposure the experiment's index. */
  subject = new Int32Array(0);
  qty = new Uint8Array(0);
  /** The session's number inside its shard. */
  session = new Float64Array(0);
  device = new Uint8Array(0);
  /** The category the session browses. */
  category = new Int32Array(0);
  /** With identities: which of the person's devices the session is on (SHARED_DEVICE: the household's). */
  deviceSlot = new Int8Array(0);
  /** With identities: 1 if the session is logged in. */
  login = new Uint8Array(0);
  private free = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  get size(): number {
    return this.capacity;
  }

  /** A slot filled with the event's fields. */
  add(ts: number, kind: EventKind, user: number, subject: number, qty: number, session: number, device: number, category: number): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.free[--this.freeCount]!;
    this.ts[slot] = ts;
    this.kind[slot] = kind;
    this.user[slot] = user;
    this.subject[slot] = subject;
    this.qty[slot] = qty;
    this.session[slot] = session;
    this.device[slot] = device;
    this.category[slot] = category;
    this.deviceSlot[slot] = 0;
    this.login[slot] = 0;
    return slot;
  }

  /** Sets the session identity of a slot (identities on). */
  setIdentity(slot: number, deviceSlot: number, login: boolean): void {
    this.deviceSlot[slot] = deviceSlot;
    this.login[slot] = login ? 1 : 0;
  }

  /** A follow-up in the same session as `slot`. */
  follow(slot: number, ts: number, kind: EventKind, subject: number, qty: number): number {
    const next = this.add(ts, kind, this.user[slot]!, subject, qty, this.session[slot]!, this.device[slot]!, this.category[slot]!);
    this.deviceSlot[next] = this.deviceSlot[slot]!;
    this.login[next] = this.login[slot]!;
    return next;
  }

  release(slot: number): void {
    this.free[this.freeCount++] = slot;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const copy = <A extends Float64Array | Int32Array | Uint8Array | Int8Array>(a: A, make: new (n: number) => A): A => {
      const b = new make(capacity);
      b.set(a);
      return b;
    };
    this.ts = copy(this.ts, Float64Array);
    this.kind = copy(this.kind, Uint8Array);
    this.user = copy(this.user, Int32Array);
    this.subject = copy(this.subject, Int32Array);
    this.qty = copy(this.qty, Uint8Array);
    this.session = copy(this.session, Float64Array);
    this.device = copy(this.device, Uint8Array);
    this.category = copy(this.category, Int32Array);
    this.deviceSlot = copy(this.deviceSlot, Int8Array);
    this.login = copy(this.login, Uint8Array);
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeCount));
    for (let slot = capacity - 1; slot >= old; slot--) free[this.freeCount++] = slot;
    this.free = free;
    this.capacity = capacity;
  }
}
