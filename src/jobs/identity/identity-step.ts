/**
 * The identity step as a keyed process function. The union-find is one structure over all identifiers, and an
 * identifier can link to any other, so the step keeps it under a single key (IDENTITY_KEY, which the topology's
 * keyBy gives every event with identityKey): one slot sees every event in the input's order, reads and writes only
 * the map entries of the identifiers an event carries (LMDB entries, not the whole map), and a replay gives every
 * event the same unified id. The cost is that the step runs on one slot: see docs/identity.md.
 * State under IDENTITY_KEY: map `ids` (identifier -> canonical id), map `components` (canonical id -> members),
 * value `stats`. Each event goes on with the unified id in the `output` field; each merge goes to the side output
 * `merges`; an event with no identifier is a BAD_RECORD error (the step's onError decides).
 */
import type { KeyedProcessor, MapState, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { IdentityGraph, type IdentityStore, type Observation } from './identity-graph.js';
import type { ResolvedIdentityOptions } from './identity-options.js';

export const IDENTITY_KEY = 'identity';
export const IDENTITY_STATE = { ids: 'ids', components: 'components', stats: 'stats' } as const;
export const MERGES_PORT = 'merges';

export interface IdentityStats {
  identifiers: number;
  components: number;
  merges: number;
  refusedBySize: number;
  refusedByType: number;
}

export interface MergeEvent {
  type: 'merge';
  into: string;
  from: string;
  moved: string[];
  ts: number;
}

/** The key every event of the identity step gets (a keyBy `fn`). */
export function identityKey(): string {
  return IDENTITY_KEY;
}

/** The graph's store over the map states of the key being processed (bound anew for each record). */
class MapStateStore implements IdentityStore {
  private ids!: MapState<string>;
  private components!: MapState<string[]>;

  bind(ctx: ProcessContext<unknown>): void {
    this.ids = ctx.mapState<string>(IDENTITY_STATE.ids);
    this.components = ctx.mapState<string[]>(IDENTITY_STATE.components);
  }

  componentOf(id: string): string | undefined {
    return this.ids.get(id);
  }

  setComponent(id: string, canonical: string): void {
    this.ids.set(id, canonical);
  }

  members(canonical: string): string[] | undefined {
    return this.components.get(canonical);
  }

  setMembers(canonical: string, members: string[]): void {
    this.components.set(canonical, members);
  }

  deleteMembers(canonical: string): void {
    this.components.delete(canonical);
  }
}

function recordStats(ctx: ProcessContext<unknown>, seen: Observation): void {
  if (seen.created === 0 && seen.merges.length === 0 && seen.refusals.length === 0) return;
  const state = ctx.state<IdentityStats>(IDENTITY_STATE.stats);
  const s = state.get() ?? { identifiers: 0, components: 0, merges: 0, refusedBySize: 0, refusedByType: 0 };
  s.identifiers += seen.created;
  s.components += seen.created - seen.merges.length;
  s.merges += seen.merges.length;
  for (const r of seen.refusals) {
    if (r.reason === 'size') s.refusedBySize++;
    else s.refusedByType++;
  }
  state.set(s);
}

export function identityStep(options: ResolvedIdentityOptions): KeyedProcessor<Record<string, unknown>, Record<string, unknown>> {
  const fields = options.identifiers.map((s) => s.field).join(', ');
  const store = new MapStateStore();
  const graph = new IdentityGraph(options, store);
  return {
    onRecord(event, ctx) {
      store.bind(ctx);
      const seen = graph.observe(graph.identifiersOf(event));
      if (seen === null) {
        throw new FlywheelError(ErrorCodes.BAD_RECORD, `the event carries no identifier: none of ${fields} is a non-empty string or a number`, {}, 'fix the producer, or route events without identifiers around the identity step');
      }
      recordStats(ctx, seen);
      for (const m of seen.merges) ctx.sideOutput(MERGES_PORT, { type: 'merge', into: m.into, from: m.from, moved: m.moved, ts: ctx.timestamp } satisfies MergeEvent);
      ctx.emit({ ...event, [options.output]: seen.unified });
    },
  };
}
