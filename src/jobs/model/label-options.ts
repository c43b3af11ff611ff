/**
 * Options of the label step (labels.ts): how long a view waits for its click, how long late clicks are still
 * awaited, the churn horizon, and how much per-user history is kept for recommendations and co-visits.
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { checkedStepOptions } from './step-options.js';

export interface LabelOptions {
  /** A view is positive when the same user clicks, carts or buys the item within this much event time after it. */
  labelWindow: number;
  /** Extra event time a label waits for out-of-order clicks before it is final. */
  allowedLateness: number;
  /** A user churns when no purchase follows an observed activity within this much event time. */
  churnHorizon: number;
  /** At most one churn observation per user per this much event time. */
  churnObservationEvery: number;
  /** Items kept in a user's recent-items list (recommendation candidates). */
  recentItems: number;
  /** Label times are rounded up to a multiple of this, so one timer serves all views of a user in that span. */
  timerResolution: number;
  /** Earlier items of the same session each view is paired with (co-visit counts). */
  sessionPairs: number;
}

const duration = { type: ['string', 'number'], duration: true } as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    labelWindow: { ...duration, default: '1m' },
    allowedLateness: { ...duration, default: '10s' },
    churnHorizon: { ...duration, default: '7d' },
    churnObservationEvery: { ...duration, default: '1d' },
    timerResolution: { ...duration, default: '1s' },
    recentItems: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
    sessionPairs: { type: 'integer', minimum: 0, maximum: 50, default: 5 },
  },
} as const;

export function resolveLabelOptions(options: Partial<Record<keyof LabelOptions, string | number>> = {}): LabelOptions {
  const resolved = checkedStepOptions<LabelOptions>(schema, options, 'label step');
  for (const name of ['labelWindow', 'timerResolution'] as const) {
    if (resolved[name] <= 0)
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `label step options: with.${name} must be a positive duration, got ${resolved[name]} ms`,
        { path: `with.${name}` },
        'e.g. labelWindow: 1m, timerResolution: 1s',
      );
  }
  return resolved;
}
