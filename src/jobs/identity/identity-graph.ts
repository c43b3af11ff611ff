/**
 * The identity graph's union-find, over a store of maps: identifier -> the canonical id of its component, canonical
 * id -> the component's members (only for components of two or more: a singleton's members are itself, so a new
 * identifier costs one entry), and, with expiry, identifier -> the event time it was last seen. A component's
 * canonical id is its smallest member in the options' order (type rank, then value), so it depends only on which
 * identifiers the component holds, never on the order they arrived in. Every member points straight at its
 * canonical id (no parent chains): a merge relabels the members of the component whose canonical id loses, which
 * the component-size cap bounds. A link is refused, and counted, when the merged component would pass the size cap
 * or hold more identifiers of a type than `maxPerType` allows. With `expireAfter`, an identifier not seen for that
 * long in event time is forgotten when it shows up again or when its component takes part in a link
 * (identity-expiry.ts).
 */
import { IdentityExpiry } from './identity-expiry.js';
import type { Component, ComponentAccess, IdentityStore, Observation } from './identity-model.js';
import type { ResolvedIdentityOptions } from './identity-options.js';

export function typeOf(id: string): string {
  return id.slice(0, id.indexOf(':'));
}

export class IdentityGraph implements ComponentAccess {
  /** Link rules as pairs of type ranks, in the order the options list them. */
  private readonly links: Array<[number, number]>;
  private readonly limits: Array<[string, number]>;
  private readonly expiry: IdentityExpiry | null;
  /** The canonical ids a union changed (old -> new), reused for every union. */
  private readonly renamed = new Map<string, string>();

  constructor(
    private readonly options: ResolvedIdentityOptions,
    private readonly store: IdentityStore,
  ) {
    this.links = options.links.map(([a, b]) => [options.rank.get(a)!, options.rank.get(b)!]);
    this.limits = Object.entries(options.maxPerType);
    this.expiry = options.expireAfter === undefined ? null : new IdentityExpiry(options.expireAfter, store, this);
  }

  /** The typed identifiers of an event, indexed by type rank (undefined where the event has none). */
  identifiersOf(event: Record<string, unknown>): Array<string | undefined> {
    const specs = this.options.identifiers;
    const ids = new Array<string | undefined>(specs.length);
    for (let r = 0; r < specs.length; r++) {
      const v = event[specs[r]!.field];
      ids[r] = (typeof v === 'string' && v !== '') || typeof v === 'number' ? `${specs[r]!.type}:${v}` : undefined;
    }
    return ids;
  }

  /** Canonical order: type rank, then value. */
  precedes(a: string, b: string): boolean {
    const ra = this.options.rank.get(typeOf(a))!;
    const rb = this.options.rank.get(typeOf(b))!;
    return ra !== rb ? ra < rb : a.slice(a.indexOf(':')) < b.slice(b.indexOf(':'));
  }

  /** The component named `canonical`, its members read once. */
  component(canonical: string): Component {
    const stored = this.store.components.get(canonical);
    return { canonical, members: stored ?? [canonical], stored: stored !== undefined };
  }

  /** Stores a component's members: an entry for two or more, none for a singleton. */
  storeMembers(c: Component, members: string[]): void {
    if (members.length > 1) this.store.components.set(c.canonical, members);
    else if (c.stored) this.store.components.delete(c.canonical);
  }

  /**
   * Registers the event's identifiers (seen at event time `time`) and links those the rules allow; null if it
   * carries none. Each identifier's component is read once; a merge updates the copies the later links use.
   */
  observe(ids: ReadonlyArray<string | undefined>, time: number): Observation | null {
    const out: Observation = { unified: '', created: 0, merges: 0, expired: 0, changes: [], refusals: [] };
    const components = new Array<string | undefined>(ids.length);
    let first = -1;
    for (let r = 0; r < ids.length; r++) {
      const id = ids[r];
      if (id === undefined) continue;
      if (first < 0) first = r;
      let c = this.store.ids.get(id);
      if (c !== undefined && this.expiry !== null) c = this.expiry.refresh(id, c, time, out);
      else if (this.expiry !== null) this.store.seen.set(id, time);
      if (c === undefined) {
        this.store.ids.set(id, id);
        c = id;
        out.created++;
      }
      components[r] = c;
    }
    if (first < 0) return null;
    for (const [a, b] of this.links) {
      const cx = components[a];
      const cy = components[b];
      if (cx === undefined || cy === undefined || cx === cy) continue;
      const renamed = this.union(cx, cy, time, out);
      if (renamed === null) continue;
      for (let r = 0; r < components.length; r++) {
        const after = renamed.get(components[r] ?? '');
        if (after !== undefined) components[r] = after;
      }
    }
    out.unified = components[first]!;
    return out;
  }

  /** Joins two components if the rules allow; returns the canonical ids that changed (old -> new), or null. */
  private union(cx: string, cy: string, time: number, out: Observation): ReadonlyMap<string, string> | null {
    let x = this.component(cx);
    let y = this.component(cy);
    const renamed = this.renamed;
    renamed.clear();
    if (this.expiry !== null) {
      x = this.expiry.prune(x, time, out, renamed);
      y = this.expiry.prune(y, time, out, renamed);
    }
    if (x.members.length + y.members.length > this.options.maxComponentSize) {
      out.refusals.push({ reason: 'size', between: [x.canonical, y.canonical] });
      return renamed.size > 0 ? renamed : null;
    }
    for (const [type, limit] of this.limits) {
      if (count(x.members, type) + count(y.members, type) > limit) {
        out.refusals.push({ reason: 'type', between: [x.canonical, y.canonical] });
        return renamed.size > 0 ? renamed : null;
      }
    }
    const [into, from] = this.precedes(x.canonical, y.canonical) ? [x, y] : [y, x];
    for (const m of from.members) this.store.ids.set(m, into.canonical);
    this.storeMembers(into, [...into.members, ...from.members]);
    if (from.stored) this.store.components.delete(from.canonical);
    out.merges++;
    out.changes.push({ type: 'merge', into: into.canonical, from: from.canonical, moved: from.members });
    for (const [before, after] of renamed) if (after === from.canonical) renamed.set(before, into.canonical);
    renamed.set(from.canonical, into.canonical);
    return renamed;
  }
}

function count(members: readonly string[], type: string): number {
  let n = 0;
  for (const m of members) if (typeOf(m) === type) n++;
  return n;
}
