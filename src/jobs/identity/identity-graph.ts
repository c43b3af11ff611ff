/**
 * The identity graph's union-find, over a store of two maps: identifier -> the canonical id of its component, and
 * canonical id -> the component's members. Identifiers are typed (`type:value`); a component's canonical id is its
 * smallest member in the options' order (type rank, then value), so it depends only on which identifiers the
 * component holds, never on the order they arrived in. Every member points straight at its canonical id (no parent
 * chains): a merge relabels the members of the component whose canonical id loses, which the component-size cap
 * bounds. A link is refused, and counted, when the merged component would pass the size cap or hold more
 * identifiers of a type than `maxPerType` allows.
 */
import type { ResolvedIdentityOptions } from './identity-options.js';

export interface IdentityStore {
  componentOf(id: string): string | undefined;
  setComponent(id: string, canonical: string): void;
  members(canonical: string): string[] | undefined;
  setMembers(canonical: string, members: string[]): void;
  deleteMembers(canonical: string): void;
}

/** Two components joined: `from` no longer exists; `moved` are its identifiers, now in `into`. */
export interface Merge {
  into: string;
  from: string;
  moved: string[];
}

/** A link that was not made, and why. */
export interface Refusal {
  reason: 'size' | 'type';
  between: [string, string];
}

export interface Observation {
  /** The canonical id of the event's first identifier (in type order). */
  unified: string;
  created: number;
  merges: Merge[];
  refusals: Refusal[];
}

export function typeOf(id: string): string {
  return id.slice(0, id.indexOf(':'));
}

export class IdentityGraph {
  /** Link rules as pairs of type ranks, in the order the options list them. */
  private readonly links: Array<[number, number]>;
  private readonly limits: Array<[string, number]>;

  constructor(
    private readonly options: ResolvedIdentityOptions,
    private readonly store: IdentityStore,
  ) {
    this.links = options.links.map(([a, b]) => [options.rank.get(a)!, options.rank.get(b)!]);
    this.limits = Object.entries(options.maxPerType);
  }

  /** The typed identifiers of an event, indexed by type rank (undefined where the event has none). */
  identifiersOf(event: Record<string, unknown>): Array<string | undefined> {
    return this.options.identifiers.map(({ type, field }) => {
      const v = event[field];
      return (typeof v === 'string' && v !== '') || typeof v === 'number' ? `${type}:${v}` : undefined;
    });
  }

  /** Canonical order: type rank, then value. */
  precedes(a: string, b: string): boolean {
    const ra = this.options.rank.get(typeOf(a))!;
    const rb = this.options.rank.get(typeOf(b))!;
    return ra !== rb ? ra < rb : a.slice(a.indexOf(':')) < b.slice(b.indexOf(':'));
  }

  /** Registers the event's identifiers and links those the rules allow; null if it carries none. */
  observe(ids: ReadonlyArray<string | undefined>): Observation | null {
    const out: Observation = { unified: '', created: 0, merges: [], refusals: [] };
    let first: string | undefined;
    for (const id of ids) {
      if (id === undefined) continue;
      first ??= id;
      if (this.store.componentOf(id) === undefined) {
        this.store.setComponent(id, id);
        this.store.setMembers(id, [id]);
        out.created++;
      }
    }
    if (first === undefined) return null;
    for (const [a, b] of this.links) {
      const x = ids[a];
      const y = ids[b];
      if (x !== undefined && y !== undefined) this.union(x, y, out);
    }
    out.unified = this.store.componentOf(first)!;
    return out;
  }

  private union(x: string, y: string, out: Observation): void {
    const cx = this.store.componentOf(x)!;
    const cy = this.store.componentOf(y)!;
    if (cx === cy) return;
    const mx = this.store.members(cx)!;
    const my = this.store.members(cy)!;
    if (mx.length + my.length > this.options.maxComponentSize) {
      out.refusals.push({ reason: 'size', between: [cx, cy] });
      return;
    }
    for (const [type, limit] of this.limits) {
      if (count(mx, type) + count(my, type) > limit) {
        out.refusals.push({ reason: 'type', between: [cx, cy] });
        return;
      }
    }
    const [into, from, kept, moved] = this.precedes(cx, cy) ? [cx, cy, mx, my] : [cy, cx, my, mx];
    for (const m of moved) this.store.setComponent(m, into);
    this.store.setMembers(into, [...kept, ...moved]);
    this.store.deleteMembers(from);
    out.merges.push({ into, from, moved });
  }
}

function count(members: readonly string[], type: string): number {
  let n = 0;
  for (const m of members) if (typeOf(m) === type) n++;
  return n;
}
