/**
 * Field checks as pure predicates (they never touch state): only notNull speaks about absent or null fields, each
 * other check fails values of the wrong type, ranges are inclusive, dotted paths reach nested fields. On the
 * operator harness: uniqueness within a span of event time, freshness against the latest event time, and the
 * window report's PSI equal to a hand computation. The readiness reason. Bad options are refused naming the
 * expectation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProcessContext } from '../../../src/api/types.js';
import { compileExpectation } from '../../../src/jobs/quality/expectation-checks.js';
import { expectations } from '../../../src/jobs/quality/processors.js';
import type { QualityReport } from '../../../src/jobs/quality/quality-report.js';
import { QUALITY_KEY, REPORTS_PORT } from '../../../src/jobs/quality/quality-step.js';
import { qualityReadinessReason } from '../../../src/jobs/quality/quality-readiness.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { resolveExpectationOptions, type ExpectationSpec } from '../../../src/jobs/quality/expectation-options.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

/** A context that fails the test if a field check reaches for state. */
const NO_STATE = new Proxy({}, { get: () => assert.fail('a field check touched the context') }) as ProcessContext<unknown>;

function check(spec: Omit<ExpectationSpec, 'name' | 'level'>): { passes(record: unknown): boolean } {
  const compiled = compileExpectation({ name: 'x', level: 'warn', ...spec });
  return { passes: (record) => compiled.passes(record, NO_STATE) };
}

function harness(list: Array<Record<string, unknown>>, window = 1000): OperatorHarness {
  return OperatorHarness.of('process', {}, { processor: expectations({ window, expectations: list }) });
}

/** The failures each expectation counted, from the report of the window [0, window). */
function firstReport(h: OperatorHarness): QualityReport {
  return h.sideOutput(REPORTS_PORT)[0]!.value as QualityReport;
}

test('absent and null fail notNull only', () => {
  const specs: Array<Omit<ExpectationSpec, 'name' | 'level'>> = [
    { field: 'a', type: 'string' },
    { field: 'a', range: { min: 0 } },
    { field: 'a', pattern: '^x$' },
    { field: 'a', allowed: ['x'] },
  ];
  for (const spec of specs) {
    assert.ok(check(spec).passes({}), JSON.stringify(spec));
    assert.ok(check(spec).passes({ a: null }), JSON.stringify(spec));
  }
  assert.equal(check({ field: 'a', notNull: true }).passes({}), false);
  assert.equal(check({ field: 'a', notNull: true }).passes({ a: null }), false);
  assert.equal(check({ field: 'a', notNull: true }).passes({ a: 0 }), true);
});

test('type, range, pattern and allowed values', () => {
  assert.deepEqual(
    [[1], { b: 1 }, 's', 2].map((a) => check({ field: 'a', type: 'array' }).passes({ a })),
    [true, false, false, false],
  );
  assert.deepEqual(
    [[1], { b: 1 }].map((a) => check({ field: 'a', type: 'object' }).passes({ a })),
    [false, true],
  );
  assert.deepEqual(
    [0, 10, -0.01, 10.01, '5', NaN].map((a) => check({ field: 'a', range: { min: 0, max: 10 } }).passes({ a })),
    [true, true, false, false, false, false],
  );
  assert.deepEqual(
    ['s1-2', 'S1-2', 12].map((a) => check({ field: 'a', pattern: '^s\\d+-\\d+$' }).passes({ a })),
    [true, false, false],
  );
  assert.deepEqual(
    ['web', 'toaster', 1, true].map((a) => check({ field: 'a', allowed: ['web', 1] }).passes({ a })),
    [true, false, true, false],
  );
  assert.equal(check({ field: 'x.y', range: { max: 3 } }).passes({ x: { y: 4 } }), false);
});

test('unique: the same values within the span fail, outside it pass, in either order', () => {
  const h = harness([{ name: 'once', unique: { fields: ['s', 'x.y'], within: 100 } }], 10_000);
  const push = (s: string, y: number, ts: number) => h.processElement(QUALITY_KEY, { s, x: { y } }, ts);
  push('a', 1, 500);
  push('a', 1, 600); // copy 100 ms later: fails
  push('a', 2, 600); // other values: passes
  push('a', 1, 450); // older copy, 150 ms before the latest: passes
  push('a', 1, 550); // 50 ms before the latest: fails
  push('a', 1, 701); // 101 ms after the latest: passes
  h.processWatermark(10_000);
  assert.equal(firstReport(h).expectations[0]!.failed, 2);
});

test('freshness: a record more than max behind the latest event time fails', () => {
  const h = harness([{ name: 'fresh', freshness: { max: 50 } }], 10_000);
  for (const ts of [100, 200, 150, 149, 300, 250, 249]) h.processElement(QUALITY_KEY, {}, ts);
  h.processWatermark(10_000);
  assert.equal(firstReport(h).expectations[0]!.failed, 2, '149 (51 behind 200) and 249 (51 behind 300)');
});

test("drift: the report's PSI equals a hand computation, with an empty bucket at 1e-4", () => {
  const reference = [0.25, 0.5, 0.25];
  const h = harness([{ name: 'price-drift', field: 'p', drift: { edges: [10, 20], reference, max: 0.2 } }]);
  const prices = [1, 2, 3, 4, 5, 6, 15, 15, 'x', null]; // six below 10, two in [10, 20), none from 20 on
  prices.forEach((p, i) => h.processElement(QUALITY_KEY, { p }, i));
  h.processWatermark(1000);
  const [result] = firstReport(h).expectations;
  const shares = [6 / 8, 2 / 8, 1e-4];
  const psi = shares.reduce((t, a, k) => t + (a - reference[k]!) * Math.log(a / reference[k]!), 0);
  assert.ok(Math.abs(result!.psi! - psi) < 1e-12, `psi ${result!.psi}, by hand ${psi}`);
  assert.equal(result!.drifted, true);
  assert.equal(result!.failed, 0, 'drift fails no record');
});

test('options: one check per expectation, unique names, valid patterns', () => {
  const bad: Array<[unknown, RegExp]> = [
    [
      { expectations: [{ name: 'a', field: 'f', type: 'string', notNull: true }] },
      /\('a'\) has 2 checks \(notNull, type\)|must NOT have more than 4 properties/,
    ],
    [
      {
        expectations: [
          { name: 'a', field: 'f', notNull: true },
          { name: 'a', field: 'g', notNull: true },
        ],
      },
      /expectations\[1\] \('a'\) reuses a name/,
    ],
    [{ expectations: [{ name: 'a', field: 'f', pattern: '(' }] }, /expectations\[0\] \('a'\) has a pattern that is not a regular expression/],
    [{ expectations: [{ name: 'a', field: 'f', level: 'fatal', notNull: true }] }, /with\.expectations\[0\]\.level/],
    [{ expectations: [{ name: 'a', unique: { fields: ['f'], within: '1m' }, field: 'f' }] }, /has a field, which unique does not read/],
    [{ expectations: [{ name: 'a', range: { min: 0 } }] }, /has no field/],
    [{ expectations: [{ name: 'a', field: 'f', level: 'mustPass', drift: { edges: [1], reference: [0.5, 0.5], max: 0.1 } }] }, /drift check at level mustPass/],
    [{ expectations: [{ name: 'a', field: 'f', drift: { edges: [2, 1], reference: [0.2, 0.3, 0.5], max: 0.1 } }] }, /edges that do not increase/],
    [{ expectations: [{ name: 'a', field: 'f', drift: { edges: [1], reference: [0.2, 0.3, 0.5], max: 0.1 } }] }, /3 reference shares for 2 buckets/],
    [{ expectations: [{ name: 'a', field: 'f', drift: { edges: [1], reference: [0.2, 0.3], max: 0.1 } }] }, /adding up to 0\.5/],
  ];
  for (const [options, message] of bad) {
    assert.throws(
      () => resolveExpectationOptions(options),
      (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID && message.test(e.message),
      JSON.stringify(options),
    );
  }
  assert.equal(resolveExpectationOptions({ window: '10m', expectations: [{ name: 'a', field: 'f', notNull: true }] }).window, 600_000);
});

test('readiness: an expectation under the pass rate, or a drift when asked, is a reason; a window without values is none', () => {
  const report: QualityReport = {
    type: 'quality',
    window: { start: 0, end: 60_000 },
    records: 200,
    expectations: [
      { name: 'a', level: 'warn', check: '', failed: 3, passRate: 0.985 },
      { name: 'b', level: 'warn', check: '', failed: 0, passRate: 1 },
      { name: 'd', level: 'warn', check: '', failed: 0, passRate: 1, psi: 0.31, drifted: true },
    ],
  };
  assert.equal(qualityReadinessReason('q', undefined, { minPassRate: 0.99, drift: true }), null);
  assert.equal(qualityReadinessReason('q', report, { minPassRate: 0.98, drift: false }), null);
  assert.equal(
    qualityReadinessReason('q', report, { minPassRate: 0.99, drift: true }),
    "data quality of step 'q' in the window [1970-01-01T00:00:00.000Z, 1970-01-01T00:01:00.000Z) of 200 records: 'a' passed 98.50%, 'd' drifted (PSI 0.310); at least 99.00% must pass and no drift",
  );
  assert.equal(
    qualityReadinessReason(
      'q',
      { ...report, records: 0, expectations: [{ name: 'a', level: 'warn', check: '', failed: 0, passRate: null }] },
      { minPassRate: 1, drift: false },
    ),
    null,
  );
});
