/**
 * Deterministic record ids. A source record is `source/partition/offset`; a record an operator emits gets a 28-hex
 * id hashed from what caused it (the input record's id, or the timer's step, key, namespace and time) and its index
 * among that cause's outputs. A replay after a crash repeats the same causes, so it repeats the same ids, which is
 * what lets consumers deduplicate at-least-once output. Two independent 53-bit hashes make collisions negligible.
 */

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function hex(n: number): string {
  return n.toString(16).padStart(14, '0');
}

export function sourceRecordId(sourceStep: string, partition: number, offset: number): string {
  return `${sourceStep}/${partition}/${offset}`;
}

export function derivedId(cause: string, stepId: string, port: string, index: number): string {
  const text = `${cause}\u0000${stepId}\u0000${port}\u0000${index}`;
  return hex(cyrb53(text, 1)) + hex(cyrb53(text, 2));
}

export function timerCause(stepId: string, key: string, namespace: string, time: number): string {
  return `timer\u0000${stepId}\u0000${key}\u0000${namespace}\u0000${time}`;
}
