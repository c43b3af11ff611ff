/**
 * Deterministic record ids. A source record is `source/partition/offset`; a record an operator emits gets a 28-hex
 * id hashed from what caused it (the input record's id, or the timer's step, key, namespace, time and the least id
 * of what registered it) and its index among that cause's outputs. A replay after a crash repeats the same causes, so
 * it repeats the same ids, which is what lets consumers deduplicate at-least-once output. Two independently seeded
 * 53-bit hashes make collisions negligible.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/**
 * cyrb53's mixing, run with two seeds in one pass: four 32-bit lanes, 106 bits of the result are kept. The text is
 * fed in parts (`feed`, `feedSeparator`, `feedNumber`), which hashes as their concatenation would without building
 * it: ids are made for every record a step emits.
 */
class Hash128 {
  private a1 = 0;
  private a2 = 0;
  private b1 = 0;
  private b2 = 0;

  start(): this {
    this.a1 = 0xdeadbeef ^ 1;
    this.a2 = 0x41c6ce57 ^ 1;
    this.b1 = 0xdeadbeef ^ 2;
    this.b2 = 0x41c6ce57 ^ 2;
    return this;
  }

  feed(text: string): this {
    let { a1, a2, b1, b2 } = this;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      a1 = Math.imul(a1 ^ ch, 2654435761);
      a2 = Math.imul(a2 ^ ch, 1597334677);
      b1 = Math.imul(b1 ^ ch, 2654435761);
      b2 = Math.imul(b2 ^ ch, 1597334677);
    }
    this.a1 = a1;
    this.a2 = a2;
    this.b1 = b1;
    this.b2 = b2;
    return this;
  }

  /** The NUL character that separates parts. */
  feedSeparator(): this {
    return this.feedCode(0);
  }

  /** A number as `String(n)` would write it; small non-negative integers without making that string. */
  feedNumber(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) return this.feed(String(n));
    if (n >= 10) this.feedNumber(Math.floor(n / 10));
    return this.feedCode(48 + (n % 10));
  }

  digest(): string {
    let { a1, a2, b1, b2 } = this;
    a1 = Math.imul(a1 ^ (a1 >>> 16), 2246822507) ^ Math.imul(a2 ^ (a2 >>> 13), 3266489909);
    a2 = Math.imul(a2 ^ (a2 >>> 16), 2246822507) ^ Math.imul(a1 ^ (a1 >>> 13), 3266489909);
    b1 = Math.imul(b1 ^ (b1 >>> 16), 2246822507) ^ Math.imul(b2 ^ (b2 >>> 13), 3266489909);
    b2 = Math.imul(b2 ^ (b2 >>> 16), 2246822507) ^ Math.imul(b1 ^ (b1 >>> 13), 3266489909);
    return hex32(a2 & 0x1fffff) + hex32(a1) + hex32(b2 & 0x1fffff) + hex32(b1);
  }

  private feedCode(ch: number): this {
    this.a1 = Math.imul(this.a1 ^ ch, 2654435761);
    this.a2 = Math.imul(this.a2 ^ ch, 1597334677);
    this.b1 = Math.imul(this.b1 ^ ch, 2654435761);
    this.b2 = Math.imul(this.b2 ^ ch, 1597334677);
    return this;
  }
}

const hash = new Hash128();

/** What the ids of a source partition's records start with: a record's id is this prefix and its offset. */
export function sourceIdPrefix(sourceStep: string, partition: number): string {
  return `${sourceStep}/${partition}/`;
}

/** The same prefix from a partition id (`source:partition`, as the runtime names source partitions). */
export function sourceIdPrefixOf(partitionId: string): string {
  const colon = partitionId.lastIndexOf(':');
  return sourceIdPrefix(partitionId.slice(0, colon), Number(partitionId.slice(colon + 1)));
}

export function sourceRecordId(sourceStep: string, partition: number, offset: number): string {
  return sourceIdPrefix(sourceStep, partition) + offset;
}

export function derivedId(cause: string, stepId: string, port: string, index: number): string {
  return hash.start().feed(cause).feedSeparator().feed(stepId).feedSeparator().feed(port).feedSeparator().feedNumber(index).digest();
}

/**
 * What a firing timer's outputs derive their ids from: the timer, and what registered it (DueTimer.registeredBy).
 * Hashed, so a timer that registers itself again from its own firing keeps a fixed-size cause, cycle after cycle.
 */
export function timerCause(stepId: string, key: string, namespace: string, time: number, registeredBy: string): string {
  return hash
    .start()
    .feed('timer')
    .feedSeparator()
    .feed(stepId)
    .feedSeparator()
    .feed(key)
    .feedSeparator()
    .feed(namespace)
    .feedSeparator()
    .feedNumber(time)
    .feedSeparator()
    .feed(registeredBy)
    .digest();
}
