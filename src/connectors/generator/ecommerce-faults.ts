/**
 * Data faults the generator injects into good events at known rates (the `faults` option), for testing data
 * quality checks: each is a value a consumer's expectations should catch while the event still parses:
 * - negativePrice: an item event's price is negated (views, clicks, carts and purchases only);
 * - unknownDevice: the device type is one the shop does not have;
 * - missingSessionId: the session id is removed;
 * - sessionIdAsNumber: the session id is a number instead of a string;
 * - duplicate: the event goes out twice in a row, identical (the shard sends the copy).
 * Whether the record at (shard, offset) draws a fault, and which, is a hash of (seed, shard, offset), so the draw
 * does not depend on anything read before it; the shard tells which fault it applied to the record it returned.
 */
import { uniform } from '../../core/seeded-random.js';

export const FAULT_KINDS = ['negativePrice', 'unknownDevice', 'missingSessionId', 'sessionIdAsNumber', 'duplicate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultOptions = Record<FaultKind, number>;

/** The device type an `unknownDevice` fault writes. */
export const UNKNOWN_DEVICE = 'toaster';

const FAULT_STREAM = 301;

export const faultOptionsSchema = {
  type: 'object',
  properties: Object.fromEntries(FAULT_KINDS.map((k) => [k, { type: 'number', minimum: 0, maximum: 1, default: 0 }])),
  additionalProperties: false,
} as const;

/** What a fault may change: the fields the faults touch on the generator's events. */
interface Faultable {
  type: string;
  price?: number;
  device: string;
  sessionId?: string | number;
}

export class FaultPlan {
  private readonly cumulative: number[];

  constructor(
    options: FaultOptions,
    private readonly seed: number,
  ) {
    let sum = 0;
    this.cumulative = FAULT_KINDS.map((k) => (sum += options[k]));
  }

  /** The fault drawn for the record at (shard, offset), whether or not it applies to that record. */
  drawn(shard: number, offset: number): FaultKind | null {
    const u = uniform(this.seed, FAULT_STREAM, shard, offset);
    const k = this.cumulative.findIndex((c) => u < c);
    return k < 0 ? null : FAULT_KINDS[k]!;
  }

  /** Applies the fault drawn at (shard, offset) to the event in place; returns it, or null if none applied. */
  apply(event: Faultable, shard: number, offset: number): FaultKind | null {
    const kind = this.drawn(shard, offset);
    switch (kind) {
      case null:
        return null;
      case 'negativePrice':
        if (event.price === undefined) return null;
        event.price = -event.price;
        return kind;
      case 'unknownDevice':
        event.device = UNKNOWN_DEVICE;
        return kind;
      case 'missingSessionId':
        delete event.sessionId;
        return kind;
      case 'sessionIdAsNumber':
        event.sessionId = Number(String(event.sessionId).replace(/\D/g, ''));
        return kind;
      case 'duplicate':
        return kind;
    }
  }
}
