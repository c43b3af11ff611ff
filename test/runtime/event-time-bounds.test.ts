/**
 * Event-time bounds: one event stamped in the year 3000 and one in 1970, in the middle of a file of events from one
 * day, through a windowed job (YAML, the real runner). Each is one dead letter with the reason and counted in
 * flywheel_event_time_rejected_total; neither moves the watermark, so no later event is late and every window
 * counts what it should. Before the bound, the year-3000 event moved the watermark to 2999 and every later event
 * was late. The rules for sources whose time follows the clock are checked on the bounds alone, with a given clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { DEFAULT_CLOCK_MAX_AHEAD, EventTimeBounds } from '../../src/runtime/event-time-bounds.js';
import { keyedTopology } from '../harness/keyed-topology.js';

const topology = keyedTopology({
  name: 'bounded-time',
  source: '{ type: file, path: ./in.jsonl }',
  eventTime: '{ field: ts, maxOutOfOrderness: 1s, maxAhead: 1h, notBefore: "2000-01-01" }',
  middle: '  - id: counts\n    op: window\n    assigner: { type: tumbling, size: 10s }\n    aggregate: { type: count }\n',
  after: '  - id: late\n    op: sink\n    from: counts.late\n    connector: { type: file, path: ./late.jsonl }\n',
});

const DAY = Date.parse('2026-06-01T00:00:00Z');
const YEAR_3000 = Date.parse('3000-01-01T00:00:00Z');

function lines<T>(file: string): T[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { value: T }).value);
}

test('a year-3000 and a year-1970 event are dead-lettered and counted; no later event is late', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-event-time-'));
  try {
    const events = Array.from({ length: 400 }, (_, i) => ({ user: `u${i % 4}`, ts: DAY + i * 100 }));
    const input = [...events.slice(0, 150), { user: 'u0', ts: YEAR_3000 }, ...events.slice(150, 300), { user: 'u1', ts: 0 }, ...events.slice(300)];
    writeFileSync(join(dir, 'in.jsonl'), input.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'topology.yaml'), topology);
    const { graph, runtime } = await loadTopology(join(dir, 'topology.yaml'));
    const runner = new JobRunner({
      job: { kind: 'topology', file: join(dir, 'topology.yaml') },
      graph,
      stateDir: runtime.stateDir,
      workers: 1,
      slots: 4,
      baseDir: dir,
    });
    await runner.run();

    const dead = lines<{ reason: string; record: { ts: number } }>(join(dir, 'dlq.jsonl'));
    assert.deepEqual(
      dead.map((d) => d.record.ts),
      [YEAR_3000, 0],
    );
    assert.match(
      dead[0]!.reason,
      /^event time 3000-01-01T00:00:00.000Z is more than eventTime.maxAhead \(3600000 ms\) ahead of the partition's watermark \(2026-06-01T00:00:13.900Z\)$/,
    );
    assert.match(dead[1]!.reason, /^event time 1970-01-01T00:00:00.000Z is before eventTime.notBefore 2000-01-01$/);
    const metrics = await runner.metrics.text();
    assert.match(metrics, /flywheel_event_time_rejected_total\{step="events",bound="ahead",job="bounded-time"\} 1\n/);
    assert.match(metrics, /flywheel_event_time_rejected_total\{step="events",bound="floor",job="bounded-time"\} 1\n/);

    assert.deepEqual(lines(join(dir, 'late.jsonl')), [], 'no event after the year-3000 one is late');
    // Expected windows computed from the ordinary events alone: per user and 10 s window, how many events.
    const expected = new Map<string, number>();
    for (const e of events) {
      const k = `${e.user}|${e.ts - ((e.ts - 0) % 10_000)}`;
      expected.set(k, (expected.get(k) ?? 0) + 1);
    }
    const got = new Map(lines<{ key: string; start: number; value: number }>(join(dir, 'out.jsonl')).map((w) => [`${w.key}|${w.start}`, w.value]));
    assert.deepEqual(got, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('for a source whose time follows the clock, the bound is the later of the watermark and the clock (1 h by default)', () => {
  const now = DAY;
  const config = { field: 'ts', maxOutOfOrderness: 0, idleTimeout: 10_000 };
  const live = new EventTimeBounds('events', config, true);
  assert.equal(live.maxAhead, DEFAULT_CLOCK_MAX_AHEAD);
  assert.equal(live.check(0, YEAR_3000, now)?.bound, 'ahead', 'the year 3000 is rejected before any record set a watermark');
  assert.equal(live.check(0, now - 86_400_000, now), null, 'a day-old event is within bounds');
  // After a quiet night the partition's watermark is 8 h behind, but the clock is the reference: accepted.
  assert.equal(live.check(0, now + 8 * 3_600_000, now + 8 * 3_600_000), null);
  assert.equal(live.check(0, now + 8 * 3_600_000 + DEFAULT_CLOCK_MAX_AHEAD + 1, now + 8 * 3_600_000)?.bound, 'ahead');

  const replay = new EventTimeBounds('events', config, false);
  assert.equal(replay.maxAhead, Infinity, 'a source of history has no default bound');
  assert.equal(replay.check(0, YEAR_3000, now), null);
  const bounded = new EventTimeBounds('events', { ...config, maxAhead: 3_600_000 }, false);
  assert.equal(bounded.check(0, YEAR_3000, now)?.bound, 'ahead', "the clock stands in for the partition's first watermark");
  assert.equal(bounded.check(0, Date.parse('2020-01-01T00:00:00Z'), now), null);
  assert.equal(bounded.check(0, Date.parse('2020-01-01T02:00:00Z'), now)?.bound, 'ahead', 'then the partition watermark is the reference');
  assert.equal(bounded.check(1, Date.parse('2020-01-01T02:00:00Z'), now), null, 'each partition has its own');
  assert.throws(
    () => new EventTimeBounds('events', { ...config, notBefore: 'yesterday' }, false),
    /FW_ERR_CONFIG_INVALID eventTime.notBefore 'yesterday' is not a date/,
  );
});
