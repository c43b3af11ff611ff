/** The process operator: keyed value/map state, event-time timers in time order, TTL in event time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OperatorHarness } from '../harness/operator-harness.js';
import type { KeyedProcessor } from '../../src/api/types.js';

test('keyed state is per key, and timers fire in time order with the timer time as event time', () => {
  const processor: KeyedProcessor<number, string> = {
    onRecord(value, ctx) {
      const total = ctx.state<number>('total');
      total.set((total.get() ?? 0) + value);
      ctx.timers.register(ctx.timestamp + 10, 'report');
    },
    onTimer(timer, ctx) {
      ctx.emit(`${ctx.key}:${ctx.state<number>('total').get()}@${timer.time}`);
    },
  };
  const h = OperatorHarness.of('process', {}, { processor });
  h.processElement('a', 1, 5);
  h.processElement('b', 10, 1);
  h.processElement('a', 2, 5); // same timer (15, report) registered twice fires once
  h.processWatermark(20);
  assert.deepEqual(
    h.outputs.map((o) => o.value),
    ['b:10@11', 'a:3@15'],
  );
  assert.deepEqual(
    h.outputs.map((o) => o.timestamp),
    [11, 15],
  );
});

test('state with a TTL expires once the watermark passes its last write plus the TTL', () => {
  const seen: Array<number | undefined> = [];
  const processor: KeyedProcessor<string, never> = {
    onRecord(value, ctx) {
      const s = ctx.state<number>('last', { ttl: 100 });
      if (value === 'read') seen.push(s.get());
      else s.set(ctx.timestamp);
    },
  };
  const h = OperatorHarness.of('process', {}, { processor });
  h.processElement('k', 'write', 1000);
  h.processWatermark(1100);
  h.processElement('k', 'read', 1100);
  h.processWatermark(1101);
  h.processElement('k', 'read', 1101);
  assert.deepEqual(seen, [1000, undefined]);
});
