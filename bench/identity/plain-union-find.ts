/**
 * The plain in-memory loop the identity step is measured against: the same generated events, the same link rules,
 * size cap and per-type limits, a textbook union-find over Maps (parent pointers with path halving, union by size,
 * per-root type counts), each event given the root of its first identifier. No threads, no state store, no replay
 * guarantees, and a root is whichever identifier union by size keeps (not the smallest one).
 */
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { generatorOptions, identityOptions, type IdentityWorld } from './world.js';

export interface PlainResult {
  events: number;
  identifiers: number;
  components: number;
}

export function runPlainUnionFind(w: IdentityWorld): PlainResult {
  const parent = new Map<string, string>();
  const size = new Map<string, number>();
  const typeCounts = new Map<string, Map<string, number>>();
  const types = identityOptions.identifiers;
  const rank = new Map(types.map((t, i) => [t.type, i]));
  const links = identityOptions.links.map(([a, b]) => [rank.get(a)!, rank.get(b)!] as const);
  const limits = Object.entries(identityOptions.maxPerType);
  let components = 0;

  const find = (x: string): string => {
    let p = parent.get(x)!;
    while (p !== x) {
      const grand = parent.get(p)!;
      parent.set(x, grand);
      x = p;
      p = grand;
    }
    return x;
  };
  const union = (a: string, b: string): void => {
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) return;
    if (size.get(ra)! + size.get(rb)! > identityOptions.maxComponentSize) return;
    const ca = typeCounts.get(ra)!;
    const cb = typeCounts.get(rb)!;
    for (const [type, limit] of limits) if ((ca.get(type) ?? 0) + (cb.get(type) ?? 0) > limit) return;
    if (size.get(ra)! < size.get(rb)!) [ra, rb] = [rb, ra];
    parent.set(rb, ra);
    size.set(ra, size.get(ra)! + size.get(rb)!);
    const into = typeCounts.get(ra)!;
    for (const [type, n] of typeCounts.get(rb)!) into.set(type, (into.get(type) ?? 0) + n);
    typeCounts.delete(rb);
    size.delete(rb);
    components--;
  };

  let events = 0;
  let checksum = 0;
  for (const record of ecommerceEvents(generatorOptions(w))) {
    const e = record as Record<string, unknown>;
    const ids = types.map(({ type, field }) => (typeof e[field] === 'string' ? `${type}:${e[field] as string}` : undefined));
    let first: string | undefined;
    for (const [k, id] of ids.entries()) {
      if (id === undefined) continue;
      first ??= id;
      if (!parent.has(id)) {
        parent.set(id, id);
        size.set(id, 1);
        typeCounts.set(id, new Map([[types[k]!.type, 1]]));
        components++;
      }
    }
    for (const [a, b] of links) if (ids[a] !== undefined && ids[b] !== undefined) union(ids[a], ids[b]);
    // The unified id is computed as the step computes it, and used so the work is not optimised away.
    if (first !== undefined) checksum += find(first).length;
    events++;
  }
  if (checksum < 0) throw new Error('unreachable');
  return { events, identifiers: parent.size, components };
}
