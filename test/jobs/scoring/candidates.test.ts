/**
 * Recommendation candidates worked by hand on a small state: co-visits of the recent items, most counted first and
 * at most `covisitsPerItem` per item, then popular items, distinct, never one of the user's recent items, at most
 * `maxCandidates`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COVISIT_STATE } from '../../../src/jobs/model/covisits.js';
import { candidatesFor } from '../../../src/jobs/scoring/candidates.js';
import { resolveScoringOptions } from '../../../src/jobs/scoring/scoring-options.js';
import { MemoryStateReader } from '../../query/memory-state-reader.js';

const options = resolveScoringOptions({ covisitsPerItem: 2, popularCandidates: 4, maxCandidates: 6 });

// The user recently viewed i1 then i2. i1 was co-visited most with i2 (another recent item), then i7, i8 and i9;
// i2 with i1 and i7. The popular items include both recent items.
const state = new MemoryStateReader()
  .setValue(options.steps.covisits, 'i1', COVISIT_STATE.neighbours, { i2: 9, i7: 5, i8: 5, i9: 1 })
  .setValue(options.steps.covisits, 'i2', COVISIT_STATE.neighbours, { i1: 7, i7: 3 });
const popular = [
  ['i1', 0.9],
  ['i3', 0.8],
  ['i2', 0.7],
  ['i7', 0.6],
  ['i4', 0.5],
] as const;

test("co-visits first, then popular items; the user's recent items are never candidates", () => {
  const candidates = candidatesFor(state, options, ['i1', 'i2'], popular);
  // i1's top two co-visits are i2 (recent: left out) and i7 (5, ahead of i8 by id); i2's are i1 (recent) and i7
  // (already in). The first four popular items are i1 and i2 (recent), i3, and i7 (already in); i4 is fifth.
  assert.deepEqual(
    [...candidates],
    [
      ['i7', 'covisit'],
      ['i3', 'popular'],
    ],
  );
});

test('at most maxCandidates, in the order they were found', () => {
  const many = resolveScoringOptions({ covisitsPerItem: 4, popularCandidates: 5, maxCandidates: 3 });
  assert.deepEqual([...candidatesFor(state, many, ['i1', 'i2'], popular).keys()], ['i7', 'i8', 'i9']);
  assert.deepEqual([...candidatesFor(state, many, [], popular).keys()], ['i1', 'i3', 'i2'], 'without recent items: the popular ones');
});
