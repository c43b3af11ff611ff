/**
 * Validates a raw behaviour event and returns it typed. Anything malformed throws a
 * BAD_RECORD error that says which field is wrong and how, so a step with `onError: deadLetter` keeps the record
 * with that reason in the dead-letter sink.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export type EventType = 'view' | 'click' | 'cart' | 'purchase' | 'exposure';

export interface ExperimentExposure {
  id: string;
  variant: string;
  randomized: boolean;
  /** Whether the user actually used the variant (assignment and use differ under non-compliance). */
  used?: boolean;
}

export interface BehaviourEvent {
  type: EventType;
  userId: string;
  itemId?: string;
  category?: number;
  ts: number;
  price?: number;
  qty?: number;
  sessionId?: string;
  device?: string;
  experiment?: ExperimentExposure;
  covariates?: Record<string, number | boolean>;
}

const TYPES: ReadonlySet<string> = new Set(['view', 'click', 'cart', 'purchase', 'exposure']);

function bad(reason: string): never {
  throw new FlywheelError(ErrorCodes.BAD_RECORD, reason, {}, 'fix the producer of this event; the record is kept in the dead-letter sink');
}

function optionalNumber(e: Record<string, unknown>, field: string): void {
  if (e[field] !== undefined && (typeof e[field] !== 'number' || !Number.isFinite(e[field])))
    bad(`${field} must be a finite number, got ${JSON.stringify(e[field])}`);
}

export function parseEvent(raw: unknown): BehaviourEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    bad(`event must be an object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  const e = raw as Record<string, unknown>;
  if (typeof e.type !== 'string' || !TYPES.has(e.type)) bad(`type must be one of view, click, cart, purchase, exposure; got ${JSON.stringify(e.type)}`);
  if (typeof e.userId !== 'string' || e.userId === '') bad(`userId must be a non-empty string, got ${JSON.stringify(e.userId)}`);
  if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) bad(`ts must be the event time in ms (a number), got ${JSON.stringify(e.ts)}`);
  if (e.itemId !== undefined && typeof e.itemId !== 'string') bad(`itemId must be a string, got ${JSON.stringify(e.itemId)}`);
  if (e.type !== 'exposure' && e.itemId === undefined) bad(`a ${e.type} event needs an itemId`);
  for (const f of ['price', 'qty', 'category']) optionalNumber(e, f);
  if (e.type === 'exposure') {
    const x = e.experiment as Record<string, unknown> | undefined;
    if (!x || typeof x.id !== 'string' || typeof x.variant !== 'string' || typeof x.randomized !== 'boolean') {
      bad('an exposure needs experiment: { id: string, variant: string, randomized: boolean }');
    }
  }
  return e as unknown as BehaviourEvent;
}
