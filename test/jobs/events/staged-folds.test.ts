/**
 * Staging for folds (src/jobs/events/staged-folds.ts): a fold takes exactly the events staged for its time, in
 * arrival order; an event arriving after the key's last fold is staged for the step after it; and a key staged by
 * the earlier layout (a map entry per event) is moved into the one value without losing or reordering an event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyedProcessor } from '../../../src/api/types.js';
import { stageForFold, takeDueForFold } from '../../../src/jobs/events/staged-folds.js';
import { OperatorHarness } from '../../harness/operator-harness.js';

const INTERVAL = 1_000;
type Entry = [foldTime: number, name: string];

/** Stages each record's name; a fold emits the names it took, in the order it took them. */
const folding: KeyedProcessor<{ name: string }, string[]> = {
  onRecord: (r, ctx) => stageForFold<Entry>(ctx, ctx.timestamp, INTERVAL, (due) => [due, r.name], 'fold'),
  onTimer: (t, ctx) => ctx.emit(takeDueForFold<Entry>(ctx, t.time).map(([, name]) => name)),
};

const harness = () => OperatorHarness.of('process', {}, { processor: folding });
const SEP = '\u0000';

test('a fold takes the events staged for its time in arrival order; later ones wait for theirs', () => {
  const h = harness();
  h.processElement('u', { name: 'a' }, 1_500);
  h.processElement('u', { name: 'b' }, 2_100);
  h.processElement('u', { name: 'c' }, 1_200);
  h.processWatermark(2_000);
  assert.deepEqual(
    h.outputs.map((o) => o.value),
    [['a', 'c']],
  );
  // Behind the last fold (2,000): staged for the step after it, with b.
  h.processElement('u', { name: 'd' }, 1_900);
  h.processWatermark(3_000);
  assert.deepEqual(
    h.outputs.map((o) => o.value),
    [
      ['a', 'c'],
      ['b', 'd'],
    ],
  );
  assert.deepEqual(
    h.snapshot().state.map(([id, e]) => [id, e.value]),
    [[['u', 'staging', 'v'].join(SEP), [3_000, []]]],
  );
});

test('a key staged with a map entry per event is moved into the value: nothing lost, arrival order kept', () => {
  const h = harness();
  h.restore({
    state: [
      [['u', 'staging', 'v'].join(SEP), { value: [2, 1_000], writtenAt: 0 }],
      [['u', 'staged', 'm', '0000000000'].join(SEP), { value: [2_000, 'old-1'], writtenAt: 0 }],
      [['u', 'staged', 'm', '0000000001'].join(SEP), { value: [3_000, 'old-2'], writtenAt: 0 }],
    ],
    timers: [],
    watermark: 1_000,
  });
  h.processElement('u', { name: 'new' }, 1_500);
  assert.deepEqual(
    h.snapshot().state.map(([id, e]) => [id, e.value]),
    [
      [
        ['u', 'staging', 'v'].join(SEP),
        [
          1_000,
          [
            [2_000, 'old-1'],
            [3_000, 'old-2'],
            [2_000, 'new'],
          ],
        ],
      ],
    ],
    'the entries moved into the value, the last fold kept, no map entry left',
  );
  h.processWatermark(2_000);
  assert.deepEqual(
    h.outputs.map((o) => o.value),
    [['old-1', 'new']],
  );
});
