/**
 * The types the identity graph (identity-graph.ts) and its expiry (identity-expiry.ts) share: the store the graph
 * lives in, a component as read for a link, and what observing one event changed.
 */

/** What the graph needs of a map state: the entries it names. */
export interface EntryMap<V> {
  get(entry: string): V | undefined;
  set(entry: string, value: V): void;
  delete(entry: string): void;
}

/**
 * The graph's maps: identifier -> canonical id (`ids`), canonical id -> members for components of two or more
 * (`components`), identifier -> event time last seen, with expiry only (`seen`).
 */
export interface IdentityStore {
  ids: EntryMap<string>;
  components: EntryMap<string[]>;
  seen: EntryMap<number>;
}

/** A component as read for a link: its members, and whether the store holds them (a singleton has no entry). */
export interface Component {
  canonical: string;
  members: string[];
  stored: boolean;
}

/** What the expiry needs of the graph: components read and stored its way, and the canonical order. */
export interface ComponentAccess {
  component(canonical: string): Component;
  storeMembers(component: Component, members: string[]): void;
  precedes(a: string, b: string): boolean;
}

/** Two components joined: `from` no longer exists; `moved` are its identifiers, now in `into`. */
export interface Merge {
  type: 'merge';
  into: string;
  from: string;
  moved: string[];
}

/**
 * An identifier left component `from`; `into` is the component's canonical id after (renamed when `id` named it).
 * On a rename, the record of the leaver that named the component carries `moved`: the members that stay, now named
 * `into` (so a consumer can follow the rename as a merge of `from` into `into`).
 */
export interface Expiry {
  type: 'expire';
  id: string;
  from: string;
  into: string;
  moved?: string[];
}

export type IdentityChange = Merge | Expiry;

/** A link that was not made, and why. */
export interface Refusal {
  reason: 'size' | 'type';
  between: [string, string];
}

export interface Observation {
  /** The canonical id of the event's first identifier (in type order). */
  unified: string;
  created: number;
  merges: number;
  expired: number;
  /** Merges and expiries in the order they happened. */
  changes: IdentityChange[];
  refusals: Refusal[];
}
