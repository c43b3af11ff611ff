/**
 * Bounds on a record's event time, checked per source partition before the record may move the watermark: no more
 * than `maxAhead` ahead of the partition's watermark (its greatest accepted event time minus the out-of-orderness),
 * or of the clock while the partition has none yet; for a source whose event time follows the wall clock (a live
 * Kafka topic), no more than `maxAhead` ahead of the later of the two; and not before `notBefore`, when set. A record out of bounds is dead-lettered with the reason and counted; it never moves the
 * watermark, so one event stamped in the year 3000 cannot make every later event late.
 */
import type { Millis } from '../api/types.js';
import type { EventTimeConfig } from '../graph/model.js';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

/** Default `maxAhead` of a source whose event time follows the clock: producers' clocks and queues stay within it. */
export const DEFAULT_CLOCK_MAX_AHEAD: Millis = 60 * 60 * 1000;

export type EventTimeBound = 'ahead' | 'floor';

export interface EventTimeRejection {
  bound: EventTimeBound;
  reason: string;
}

export class EventTimeBounds {
  /** Greatest accepted event time per partition. */
  private readonly greatest = new Map<number, number>();
  readonly maxAhead: Millis;
  private readonly notBefore: Millis;

  constructor(
    stepId: string,
    private readonly config: EventTimeConfig,
    private readonly followsClock: boolean,
  ) {
    this.maxAhead = config.maxAhead ?? (followsClock ? DEFAULT_CLOCK_MAX_AHEAD : Infinity);
    this.notBefore = config.notBefore === undefined ? -Infinity : Date.parse(config.notBefore);
    if (Number.isNaN(this.notBefore)) {
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `eventTime.notBefore '${config.notBefore}' is not a date`,
        { stepId },
        'write an ISO 8601 date (2020-01-01) or date-time with its zone (2020-01-01T00:00:00Z)',
      );
    }
  }

  /** Null when the record is within bounds (and then counts as seen), else which bound it breaks and why. */
  check(partition: number, timestamp: Millis, now: number): EventTimeRejection | null {
    if (timestamp < this.notBefore) {
      return { bound: 'floor', reason: `event time ${iso(timestamp)} is before eventTime.notBefore ${this.config.notBefore}` };
    }
    const greatest = this.greatest.get(partition);
    if (this.maxAhead !== Infinity) {
      // Before a partition's first accepted record there is no watermark to compare with: the clock stands in (a
      // record of the past is behind it, whatever its date).
      const watermark = greatest === undefined ? -Infinity : greatest - this.config.maxOutOfOrderness;
      const reference = this.followsClock || greatest === undefined ? Math.max(watermark, now) : watermark;
      if (timestamp - reference > this.maxAhead) {
        const of = reference === now ? `the clock (${iso(now)})` : `the partition's watermark (${iso(reference)})`;
        return { bound: 'ahead', reason: `event time ${iso(timestamp)} is more than eventTime.maxAhead (${this.maxAhead} ms) ahead of ${of}` };
      }
    }
    if (greatest === undefined || timestamp > greatest) this.greatest.set(partition, timestamp);
    return null;
  }
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
