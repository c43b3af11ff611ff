/**
 * The expectations step on the real runtime over generated events with injected faults, duplicates and late
 * events: failures per expectation equal the generator's ledger of faults exactly (and the late events, for
 * freshness); the mustPass expectation dead-letters exactly the faulty records with its name as the reason; every
 * window's report (emitted to a sink and kept for GET /quality) equals a plain count over the same events by
 * event-time window, PSI included; the job's /metrics exports the totals; a second expectations step is listed too;
 * /readyz reports the step whose latest window is under its readiness threshold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecommerceEvents, ecommerceShardEvents, injectedFaults } from '../../../src/connectors/generator/generator-source.js';
import { parseEvent } from '../../../src/jobs/events/parse-event.js';
import type { QualityReport } from '../../../src/jobs/quality/quality-report.js';
import { runTopologyText } from '../topology-run.js';
import { deadLetterSink, fileSink, generatorAndParse, header } from '../topology-steps.js';

const WINDOW = 300_000;
const LATE_BY = 120_000;
const generator = {
  seed: 21,
  users: 800,
  items: 200,
  categories: 8,
  partitions: 2,
  count: 30_000,
  eventsPerSecondOfEventTime: 20,
  badFraction: 0.01,
  lateFraction: 0.004,
  lateBy: LATE_BY,
  faults: { negativePrice: 0.01, unknownDevice: 0.008, missingSessionId: 0.006, sessionIdAsNumber: 0.004, duplicate: 0.005 },
};
const PRICE_EDGES = [10, 25, 50];
const PRICE_REFERENCE = [0.3, 0.3, 0.2, 0.2];
/** Expectation names in the order the topology lists them. */
const NAMES = ['price-not-negative', 'device-known', 'session-present', 'session-is-string', 'session-format', 'event-once', 'fresh', 'price-drift'];

const topology =
  header('quality-test') +
  generatorAndParse(generator, '{ field: ts }') +
  `  - id: by-quality
    op: keyBy
    fn: flywheel:jobs/quality/processors.js#qualityKey
  - id: quality
    op: process
    processor: flywheel:jobs/quality/processors.js#expectations
    onError: deadLetter
    with:
      window: 5m
      allowedLateness: 5m              # longer than the late events' delay: each counts in its own window
      readiness: { minPassRate: 0.995 }
      expectations:
        - { name: price-not-negative, field: price, range: { min: 0 }, level: mustPass }
        - { name: device-known, field: device, allowed: [web, ios, android] }
        - { name: session-present, field: sessionId, notNull: true }
        - { name: session-is-string, field: sessionId, type: string }
        - { name: session-format, field: sessionId, pattern: '^s\\d+-\\d+$' }
        - { name: event-once, unique: { fields: [sessionId, type, itemId, ts], within: 1m } }
        - { name: fresh, freshness: { max: ${LATE_BY / 2} } }
        - { name: price-drift, field: price, drift: { edges: ${JSON.stringify(PRICE_EDGES)}, reference: ${JSON.stringify(PRICE_REFERENCE)}, max: 0.1 } }
  - id: passed-quality
    op: process
    processor: flywheel:jobs/quality/processors.js#expectations
    with:
      readiness: { minPassRate: 0.5, drift: true }
      expectations:
        - { name: price-not-negative-after, field: price, range: { min: 0 } }
` +
  fileSink('checked', null) +
  fileSink('reports', 'quality.reports') +
  deadLetterSink;

/**
 * Per partition, in its own order: whether each record is a copy of the record before it (a duplicate) and whether
 * it trails the partition's largest earlier ts by more than LATE_BY (a late event); by partition and offset.
 */
function deliveryTruth(): { copy: Set<string>; late: Set<string> } {
  const copy = new Set<string>();
  const late = new Set<string>();
  for (let p = 0; p < generator.partitions; p++) {
    let front = -Infinity;
    let previous = '';
    [...ecommerceShardEvents(generator, p)].forEach((r, offset) => {
      const text = JSON.stringify(r);
      if (text === previous) copy.add(`${p}/${offset}`);
      previous = text;
      const ts = (r as { ts?: unknown }).ts;
      if (typeof ts !== 'number') return;
      if (front - ts > LATE_BY) late.add(`${p}/${offset}`);
      front = Math.max(front, ts);
    });
  }
  return { copy, late };
}

interface PlainWindow {
  records: number;
  failed: number[];
  prices: number[];
}

/** The plain count: per window of ts, records that parse, those failing each expectation, the prices; by hand. */
function plainReports(): Map<number, PlainWindow> {
  const { copy, late } = deliveryTruth();
  const windows = new Map<number, PlainWindow>();
  const offsets = [0, 0];
  let p = 0;
  for (const raw of ecommerceEvents(generator)) {
    // ecommerceEvents interleaves the partitions one record at a time (equal shares: count is even).
    const where = `${p}/${offsets[p]!++}`;
    p = (p + 1) % generator.partitions;
    let e: Record<string, unknown>;
    try {
      e = parseEvent(raw) as unknown as Record<string, unknown>;
    } catch {
      continue;
    }
    const start = Math.floor((e.ts as number) / WINDOW) * WINDOW;
    const w = windows.get(start) ?? { records: 0, failed: NAMES.map(() => 0), prices: [] };
    w.records++;
    const s = e.sessionId;
    const failures = [
      typeof e.price === 'number' && e.price < 0,
      !['web', 'ios', 'android'].includes(e.device as string),
      s === undefined,
      s !== undefined && typeof s !== 'string',
      s !== undefined && !(typeof s === 'string' && /^s\d+-\d+$/.test(s)),
      copy.has(where),
      late.has(where),
      false,
    ];
    failures.forEach((f, i) => f && w.failed[i]!++);
    if (typeof e.price === 'number') w.prices.push(e.price);
    windows.set(start, w);
  }
  return windows;
}

function plainPsi(prices: readonly number[]): number {
  const counts = PRICE_REFERENCE.map(() => 0);
  for (const x of prices) counts[PRICE_EDGES.filter((edge) => edge <= x).length]!++;
  return counts.reduce((t, c, k) => {
    const a = c === 0 ? 1e-4 : c / prices.length;
    return t + (a - PRICE_REFERENCE[k]!) * Math.log(a / PRICE_REFERENCE[k]!);
  }, 0);
}

test('expectations: failures equal the injected faults, mustPass dead-letters by name, reports equal a plain count', { timeout: 300_000 }, async () => {
  const run = await runTopologyText(topology, 'fw-quality-');
  try {
    const faults = injectedFaults(generator);
    const plain = plainReports();
    // Late records that parse (a malformed copy of a late event is late too, but never reaches the step).
    const lateEvents = [...plain.values()].reduce((t, w) => t + w.failed[NAMES.indexOf('fresh')]!, 0);
    const expected = [
      faults.negativePrice,
      faults.unknownDevice,
      faults.missingSessionId,
      faults.sessionIdAsNumber,
      faults.sessionIdAsNumber,
      faults.duplicate,
      lateEvents,
      0,
    ];
    assert.ok(
      expected.slice(0, -1).every((n) => n > 0),
      `every fault occurs: ${expected.join(', ')}`,
    );

    const { app } = run;
    console.log(`faults ${JSON.stringify(faults)}, late events ${lateEvents}`);
    const all = (await app.inject({ method: 'GET', url: '/quality' })).json() as {
      steps: Array<{ step: string; records: number; expectations: Array<{ failed: number }> }>;
    };
    const quality = (await app.inject({ method: 'GET', url: '/quality/quality' })).json() as {
      records: number;
      expectations: Array<{ name: string; failed: number }>;
      reports: QualityReport[];
    };
    assert.deepEqual(
      quality.expectations.map((x) => x.failed),
      expected,
      'failures per expectation = faults injected',
    );

    const dead = run.written('dlq.jsonl').filter((d) => d.headers?.['flywheel-step'] === 'quality');
    assert.equal(dead.length, faults.negativePrice, 'the mustPass expectation dead-letters each faulty record');
    assert.ok(
      dead.every((d) => /expectation 'price-not-negative' \(mustPass\) failed/.test(d.headers!['flywheel-reason']!)),
      'dead letters name the expectation',
    );
    assert.equal(run.written('checked.jsonl').length, quality.records - faults.negativePrice, 'every other checked record passes on');
    assert.deepEqual(
      all.steps.map((x) => [x.step, x.records, x.expectations.map((e) => e.failed)]),
      [
        ['quality', quality.records, expected],
        ['passed-quality', quality.records - faults.negativePrice, [0]],
      ],
      'GET /quality lists both expectations steps; the second sees only what the first let through',
    );

    const emitted = run.written('reports.jsonl').map((r) => r.value as QualityReport);
    assert.equal(emitted.length, plain.size, 'one report per window');
    for (const report of emitted) {
      const want = plain.get(report.window.start);
      assert.ok(want, `a window at ${report.window.start}`);
      assert.equal(report.window.end, report.window.start + WINDOW);
      assert.equal(report.records, want.records, `records of window ${report.window.start}`);
      assert.deepEqual(
        report.expectations.map((x) => x.failed),
        want.failed,
        `failures of window ${report.window.start}`,
      );
      report.expectations.forEach((x, i) => assert.equal(x.passRate, (want.records - want.failed[i]!) / want.records));
      const drift = report.expectations.at(-1)!;
      // The same sum in another order: equal to within rounding.
      assert.ok(Math.abs(drift.psi! - plainPsi(want.prices)) < 1e-12, `PSI of window ${report.window.start}: ${drift.psi}, plain ${plainPsi(want.prices)}`);
      assert.equal(drift.drifted, drift.psi! > 0.1);
    }
    assert.deepEqual(quality.reports, emitted.slice(-quality.reports.length), 'GET /quality keeps the latest reports');

    // Readiness: the latest report of 'quality' has expectations under 99.5%; 'passed-quality' is far above 50%.
    const latest = emitted.at(-1)!;
    const under = latest.expectations
      .filter((x) => x.passRate !== null && x.passRate < 0.995)
      .map((x) => `'${x.name}' passed ${(100 * x.passRate!).toFixed(2)}%`);
    assert.ok(under.length > 0, 'some expectation of the last window is under 99.5%');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    const qualityReasons = (ready.json() as { reasons: string[] }).reasons.filter((r) => r.startsWith('data quality'));
    assert.deepEqual(qualityReasons, [
      `data quality of step 'quality' in the window [${new Date(latest.window.start).toISOString()}, ${new Date(latest.window.end).toISOString()}) of ${latest.records} records: ${under.join(', ')}; at least 99.50% must pass`,
    ]);

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, new RegExp(`flywheel_quality_records\\{step="quality",job="quality-test"\\} ${quality.records}\\n`));
    for (const [i, name] of NAMES.entries()) {
      assert.match(
        metrics,
        new RegExp(`flywheel_quality_failures\\{step="quality",expectation="${name}",level="(warn|mustPass)",job="quality-test"\\} ${expected[i]}\\n`),
      );
    }
    const lastPsi = quality.reports.at(-1)!.expectations.at(-1)!.psi;
    assert.match(metrics, new RegExp(`flywheel_quality_psi\\{step="quality",expectation="price-drift",job="quality-test"\\} ${lastPsi}\\n`));
  } finally {
    await run.dispose();
  }
});
