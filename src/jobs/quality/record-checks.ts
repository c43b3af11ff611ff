/**
 * The expectations that look at the whole record and keep state under the step's key:
 * - unique: the record's values of `fields` were not seen on another record whose event time is within `within` ms
 *   of its own. The last event time of each combination is kept in a map state entry that expires (event-time TTL)
 *   once the watermark passes the latest event time the step had seen when it was written, plus `within`: a late
 *   record's entry lives as long as an on-time one written at the same moment, so a copy that follows a late
 *   record is still caught, and whether an entry has expired depends on the input order alone.
 * - freshness: the record's event time trails the latest event time the step has seen by at most `max` ms: "how
 *   late did it arrive", measured in event time so a replay counts the same records.
 */
import { pathReader } from '../../api/aggregators.js';
import type { ProcessContext } from '../../api/types.js';

const FRONT_STATE = 'freshness.front';

/** The latest event time the state `name` has seen before this record; records this one. */
function advanceFront(ctx: ProcessContext<unknown>, name: string): number | undefined {
  const front = ctx.state<number>(name);
  const latest = front.get();
  if (latest === undefined || ctx.timestamp > latest) front.set(ctx.timestamp);
  return latest;
}

export function uniquenessCheck(
  name: string,
  spec: { fields: string[]; within: number },
): { describe: string; passes(record: unknown, ctx: ProcessContext<unknown>): boolean } {
  const readers = spec.fields.map(pathReader);
  const stateName = `unique.${name}`;
  const frontName = `unique.${name}.front`;
  return {
    describe: `(${spec.fields.join(', ')}) unique within ${spec.within} ms`,
    passes(record, ctx) {
      const key = JSON.stringify(readers.map((read) => read(record) ?? null));
      const ts = ctx.timestamp;
      const front = Math.max(ts, advanceFront(ctx, frontName) ?? ts);
      // The TTL counts from the record's event time: extend it to count from the front.
      const seen = ctx.mapState<number>(stateName, { ttl: front - ts + spec.within });
      const last = seen.get(key);
      // An older copy leaves the entry as it is: rewriting it would set its expiry from the older time.
      if (last === undefined || ts >= last) seen.set(key, ts);
      return last === undefined || Math.abs(ts - last) > spec.within;
    },
  };
}

export function freshnessCheck(max: number): { describe: string; passes(record: unknown, ctx: ProcessContext<unknown>): boolean } {
  return {
    describe: `event time at most ${max} ms behind the latest seen`,
    passes(_record, ctx) {
      const latest = advanceFront(ctx, FRONT_STATE);
      return latest === undefined || latest - ctx.timestamp <= max;
    },
  };
}
