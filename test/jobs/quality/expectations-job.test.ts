/**
 * The expectations step on the real runtime over generated events with injected faults: failures per expectation
 * equal the generator's ledger of faults exactly; the mustPass expectation dead-letters exactly the faulty records
 * with its name as the reason; every window's report (emitted to a sink and kept for GET /quality) equals a plain
 * count over the same events by event-time window; GET /quality/metrics exports the totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecommerceEvents, injectedFaults } from '../../../src/connectors/generator/generator-source.js';
import { parseEvent } from '../../../src/jobs/events/parse-event.js';
import type { QualityReport } from '../../../src/jobs/quality/quality-step.js';
import { runTopologyText } from '../topology-run.js';

const WINDOW = 300_000;
const generator = {
  seed: 21, users: 800, items: 200, categories: 8, partitions: 2, count: 30_000, eventsPerSecondOfEventTime: 20, badFraction: 0.01,
  faults: { negativePrice: 0.01, unknownDevice: 0.008, missingSessionId: 0.006, sessionIdAsNumber: 0.004 },
};

const topology = `name: quality-test
deadLetter: dlq
runtime: { workers: 2, slots: 4 }
steps:
  - id: events
    op: source
    connector: ${JSON.stringify({ type: 'generator', ...generator })}
    eventTime: { field: ts }
  - id: parse
    op: map
    fn: flywheel:jobs/events/parse-event.js#parseEvent
    onError: deadLetter
  - id: by-quality
    op: keyBy
    fn: flywheel:jobs/quality/processors.js#qualityKey
  - id: quality
    op: process
    processor: flywheel:jobs/quality/processors.js#expectations
    onError: deadLetter
    with:
      window: 5m
      expectations:
        - { name: price-not-negative, field: price, range: { min: 0 }, level: mustPass }
        - { name: device-known, field: device, allowed: [web, ios, android] }
        - { name: session-present, field: sessionId, notNull: true }
        - { name: session-is-string, field: sessionId, type: string }
        - { name: session-format, field: sessionId, pattern: '^s\\d+-\\d+$' }
  - id: checked
    op: sink
    connector: { type: file, path: ./checked.jsonl }
  - id: reports
    op: sink
    from: quality.reports
    connector: { type: file, path: ./reports.jsonl }
  - id: dlq
    op: sink
    from: []
    connector: { type: file, path: ./dlq.jsonl }
`;

/** The plain count: per window of ts, records that parse, and those failing each expectation, written out by hand. */
function plainReports(): Map<number, { records: number; failed: number[] }> {
  const windows = new Map<number, { records: number; failed: number[] }>();
  for (const raw of ecommerceEvents(generator)) {
    let e: Record<string, unknown>;
    try {
      e = parseEvent(raw) as unknown as Record<string, unknown>;
    } catch {
      continue;
    }
    const start = Math.floor((e.ts as number) / WINDOW) * WINDOW;
    const w = windows.get(start) ?? { records: 0, failed: [0, 0, 0, 0, 0] };
    w.records++;
    const s = e.sessionId;
    const failures = [
      typeof e.price === 'number' && e.price < 0,
      !['web', 'ios', 'android'].includes(e.device as string),
      s === undefined,
      s !== undefined && typeof s !== 'string',
      s !== undefined && !(typeof s === 'string' && /^s\d+-\d+$/.test(s)),
    ];
    failures.forEach((f, i) => f && w.failed[i]!++);
    windows.set(start, w);
  }
  return windows;
}

test('expectations: failures equal the injected faults, mustPass dead-letters by name, reports equal a plain count', { timeout: 300_000 }, async () => {
  const run = await runTopologyText(topology, 'fw-quality-');
  try {
    const faults = injectedFaults(generator);
    const expected = [faults.negativePrice, faults.unknownDevice, faults.missingSessionId, faults.sessionIdAsNumber, faults.sessionIdAsNumber];
    assert.ok(expected.every((n) => n > 0), `every fault occurs: ${expected.join(', ')}`);

    const { app } = run;
    const quality = (await app.inject({ method: 'GET', url: '/quality' })).json() as { records: number; expectations: Array<{ name: string; failed: number }>; reports: QualityReport[] };
    assert.deepEqual(quality.expectations.map((x) => x.failed), expected, 'failures per expectation = faults injected');

    const dead = run.written('dlq.jsonl').filter((d) => d.headers?.['flywheel-step'] === 'quality');
    assert.equal(dead.length, faults.negativePrice, 'the mustPass expectation dead-letters each faulty record');
    assert.ok(dead.every((d) => /expectation 'price-not-negative' \(mustPass\) failed/.test(d.headers!['flywheel-reason']!)), 'dead letters name the expectation');
    assert.equal(run.written('checked.jsonl').length, quality.records - faults.negativePrice, 'every other checked record passes on');

    const plain = plainReports();
    const emitted = run.written('reports.jsonl').map((r) => r.value as QualityReport);
    assert.equal(emitted.length, plain.size, 'one report per window');
    for (const report of emitted) {
      const want = plain.get(report.window.start);
      assert.ok(want, `a window at ${report.window.start}`);
      assert.equal(report.window.end, report.window.start + WINDOW);
      assert.equal(report.records, want.records, `records of window ${report.window.start}`);
      assert.deepEqual(report.expectations.map((x) => x.failed), want.failed, `failures of window ${report.window.start}`);
      report.expectations.forEach((x, i) => assert.equal(x.passRate, (want.records - want.failed[i]!) / want.records));
    }
    assert.deepEqual(quality.reports, emitted.slice(-quality.reports.length), 'GET /quality keeps the latest reports');

    const metrics = (await app.inject({ method: 'GET', url: '/quality/metrics' })).body;
    assert.match(metrics, new RegExp(`flywheel_quality_records_total\\{step="quality"\\} ${quality.records}\\n`));
    for (const [i, name] of ['price-not-negative', 'device-known', 'session-present', 'session-is-string', 'session-format'].entries()) {
      assert.match(metrics, new RegExp(`flywheel_quality_failures_total\\{step="quality",expectation="${name}",level="(warn|mustPass)"\\} ${expected[i]}\\n`));
    }
  } finally {
    await run.dispose();
  }
});
