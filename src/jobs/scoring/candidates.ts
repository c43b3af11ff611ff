/**
 * Recommendation candidates for a user: items co-visited in sessions with the user's recent items (most co-visited
 * first, up to `covisitsPerItem` per recent item), then the given recently popular items (the model's publication),
 * without the user's recent items themselves, distinct, at most `maxCandidates`.
 */
import type { StateReader } from '../../state/reader.js';
import { COVISIT_STATE } from '../model/covisits.js';
import type { ScoringOptions } from './scoring-options.js';

export type CandidateSource = 'covisit' | 'popular';

export function candidatesFor(
  state: StateReader,
  options: ScoringOptions,
  recentItems: readonly string[],
  popular: ReadonlyArray<readonly [string, number]>,
): Map<string, CandidateSource> {
  const recent = new Set(recentItems);
  const out = new Map<string, CandidateSource>();
  const add = (itemId: string, source: CandidateSource) => {
    if (out.size < options.maxCandidates && !recent.has(itemId) && !out.has(itemId)) out.set(itemId, source);
  };
  for (const itemId of recentItems) {
    const neighbours = state.value<Record<string, number>>(options.steps.covisits, itemId, COVISIT_STATE.neighbours) ?? {};
    const ranked = Object.entries(neighbours).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [other] of ranked.slice(0, options.covisitsPerItem)) add(other, 'covisit');
  }
  for (const [itemId] of popular.slice(0, options.popularCandidates)) add(itemId, 'popular');
  return out;
}
