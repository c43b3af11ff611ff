/**
 * Co-visit counts, keyed by item: for each pair (item, other) of items viewed in the same session, how often `other`
 * followed or preceded `item`. At most `neighbours` others are kept per item; when a new one would exceed that, the
 * least counted is dropped (ties: the earliest added), so memory stays bounded for popular items. The counts are
 * read by the recommendation route as candidates. State per item: value `neighbours`, other item id -> count.
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import type { CovisitPair } from './label-join.js';
import { checkedStepOptions } from './step-options.js';

export const COVISIT_STATE = { neighbours: 'neighbours' } as const;

export interface CovisitOptions {
  neighbours?: number;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: { neighbours: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
} as const;

export function covisitCounter(options: CovisitOptions = {}): KeyedProcessor<CovisitPair, never> {
  const { neighbours: limit } = checkedStepOptions<Required<CovisitOptions>>(schema, options, 'covisits step');
  return {
    onRecord(pair: CovisitPair, ctx: ProcessContext<never>) {
      const state = ctx.state<Record<string, number>>(COVISIT_STATE.neighbours);
      const counts = state.get() ?? {};
      counts[pair.other] = (counts[pair.other] ?? 0) + 1;
      const names = Object.keys(counts);
      if (names.length > limit) {
        const least = names.reduce((a, b) => (counts[b]! < counts[a]! ? b : a));
        delete counts[least];
      }
      state.set(counts);
    },
  };
}
