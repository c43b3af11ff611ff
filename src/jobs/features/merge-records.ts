/**
 * The records by which user features follow the identity step's merges (docs/identity.md, "What a merge means
 * downstream"), and how the topology routes them. A merge or rename of `from` into `into` becomes one `moved` record
 * per identifier it moved (mergeMembers), keyed by that identifier for the transfer step (featureTransfers): each
 * identifier that once named a component holds what was gathered under that name and sends it to `into` as a
 * `transfer`; the one named `from` also sends a `retired` record to its own key, where the feature step deletes the
 * retired id's features. Both go on to the feature step keyed by where they act (featureKey); events pass through.
 */
import type { IdentityChangeEvent } from '../identity/identity-step.js';
import type { FeatureContent } from './entity-state.js';

/** An identifier a merge or rename moved to `into` (null: it was forgotten by expiry and moves nowhere). */
export interface MovedMember {
  kind: 'moved';
  member: string;
  into: string | null;
  /** The identity change's number: later changes have larger ones. */
  seq: number;
  ts: number;
  /** The member named the component that is gone: its features are deleted. */
  retires: boolean;
  /** The member itself was forgotten: what it gathered is dropped once sent. */
  forget: boolean;
}

/** What was gathered under `from`, to be added into `into`'s features. */
export interface FeatureTransfer {
  kind: 'transfer';
  from: string;
  into: string;
  seq: number;
  ts: number;
  content: FeatureContent;
}

/** `id` no longer names a component (since change `seq`): its features are deleted. */
export interface Retirement {
  kind: 'retired';
  id: string;
  into: string;
  seq: number;
  ts: number;
}

function moved(change: IdentityChangeEvent, member: string, into: string | null, retires: boolean, forget: boolean): MovedMember {
  return { kind: 'moved', member, into, seq: change.seq, ts: change.ts, retires, forget };
}

/**
 * The identifiers a change moves (a flatMap over the identity step's `merges`): a merge moves every member of
 * `from`; a rename (the expiry record that carries `moved`) moves the leaver that named the component and the members
 * that stay; any other expiry only forgets its identifier.
 */
export function mergeMembers(change: IdentityChangeEvent): MovedMember[] {
  if (change.type === 'merge') return change.moved.map((m) => moved(change, m, change.into, m === change.from, false));
  if (change.moved !== undefined)
    return [moved(change, change.id, change.into, true, true), ...change.moved.map((m) => moved(change, m, change.into, false, false))];
  return [moved(change, change.id, null, false, true)];
}

type Routed = { kind?: string; userId?: string; member?: string; into?: string | null; id?: string };

/** Key for the transfer step: an event by its user id, a moved record by the identifier it moved. */
export function memberKey(record: Routed): string {
  return record.kind === 'moved' ? record.member! : record.userId!;
}

/** Key for the feature step: an event by its user id, a transfer by the id it goes into, a retirement by the id it retires. */
export function featureKey(record: Routed): string {
  if (record.kind === 'transfer') return record.into!;
  if (record.kind === 'retired') return record.id!;
  return record.userId!;
}

export const isTransfer = (record: unknown): record is FeatureTransfer => (record as Routed).kind === 'transfer';
export const isRetirement = (record: unknown): record is Retirement => (record as Routed).kind === 'retired';

/** True for a record the transfer step passed through: an event, not a transfer or retirement (a filter `fn`). */
export const isPassedEvent = (record: unknown): boolean => (record as Routed).kind === undefined;
