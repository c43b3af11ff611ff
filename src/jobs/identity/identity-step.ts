/**
 * The identity step as a keyed process function. The union-find is one structure over all identifiers, and an
 * identifier can link to any other, so the step keeps it under a single key (IDENTITY_KEY, which the topology's
 * keyBy gives every event with identityKey): one slot sees every event in the input's order, reads and writes only
 * the map entries of the identifiers an event carries (LMDB entries, not the whole map), and a replay gives every
 * event the same unified id. The cost is that the step runs on one slot: see docs/identity.md.
 * State under IDENTITY_KEY: map `ids` (identifier -> canonical id), map `components` (canonical id -> members, for
 * components of two or more), with `expireAfter` map `seen` (identifier -> event time last seen), value `stats`.
 * Each event goes on with the unified id in the `output` field; each merge and expiry goes to the side output
 * `merges`; an event with no identifier is a BAD_RECORD error (the step's onError decides).
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { IdentityGraph } from './identity-graph.js';
import type { Expiry, IdentityStore, Merge, Observation } from './identity-model.js';
import type { ResolvedIdentityOptions } from './identity-options.js';

export const IDENTITY_KEY = 'identity';
export const IDENTITY_STATE = { ids: 'ids', components: 'components', seen: 'seen', stats: 'stats' } as const;
export const MERGES_PORT = 'merges';

export interface IdentityStats {
  identifiers: number;
  components: number;
  merges: number;
  refusedBySize: number;
  refusedByType: number;
  /** Identifiers forgotten by expiry (`expireAfter`). */
  expired: number;
}

/**
 * What the `merges` side output carries: merges and expiries, with the event time of the event that caused them and
 * `seq`, the change's number in the order the step made them (1, 2, ...: merges and expiries counted together), which
 * a consumer uses to tell an earlier change from a later one when their records reach it by different paths.
 */
export type MergeEvent = Merge & { ts: number; seq: number };
export type ExpiryEvent = Expiry & { ts: number; seq: number };
export type IdentityChangeEvent = MergeEvent | ExpiryEvent;

export const NO_STATS: IdentityStats = { identifiers: 0, components: 0, merges: 0, refusedBySize: 0, refusedByType: 0, expired: 0 };

/** The key every event of the identity step gets (a keyBy `fn`). */
export function identityKey(): string {
  return IDENTITY_KEY;
}

/** The graph's store: the map states of the key being processed, bound anew for each record. */
function bindStore(store: IdentityStore, ctx: ProcessContext<unknown>): void {
  store.ids = ctx.mapState<string>(IDENTITY_STATE.ids);
  store.components = ctx.mapState<string[]>(IDENTITY_STATE.components);
  store.seen = ctx.mapState<number>(IDENTITY_STATE.seen);
}

/** Updates the counts; returns how many merges and expiries the step had made before this event. */
function recordStats(ctx: ProcessContext<unknown>, seen: Observation): number {
  if (seen.created === 0 && seen.changes.length === 0 && seen.refusals.length === 0) return 0;
  const state = ctx.state<IdentityStats>(IDENTITY_STATE.stats);
  const s = state.get() ?? { ...NO_STATS };
  const changesBefore = s.merges + (s.expired ?? 0);
  s.identifiers += seen.created - seen.expired;
  s.components += seen.created - seen.merges;
  s.merges += seen.merges;
  // Stats stored before expiry existed have no count of it.
  s.expired = (s.expired ?? 0) + seen.expired;
  for (const r of seen.refusals) {
    if (r.reason === 'size') s.refusedBySize++;
    else s.refusedByType++;
  }
  state.set(s);
  return changesBefore;
}

export function identityStep(options: ResolvedIdentityOptions): KeyedProcessor<Record<string, unknown>, Record<string, unknown>> {
  const fields = options.identifiers.map((s) => s.field).join(', ');
  const store = {} as IdentityStore;
  const graph = new IdentityGraph(options, store);
  return {
    onRecord(event, ctx) {
      bindStore(store, ctx);
      const seen = graph.observe(graph.identifiersOf(event), ctx.timestamp);
      if (seen === null) {
        throw new FlywheelError(
          ErrorCodes.BAD_RECORD,
          `the event carries no identifier: none of ${fields} is a non-empty string or a number`,
          {},
          'fix the producer, or route events without identifiers around the identity step',
        );
      }
      const changesBefore = recordStats(ctx, seen);
      seen.changes.forEach((change, i) =>
        ctx.sideOutput(MERGES_PORT, { ...change, ts: ctx.timestamp, seq: changesBefore + i + 1 } satisfies IdentityChangeEvent),
      );
      ctx.emit({ ...event, [options.output]: seen.unified });
    },
  };
}
