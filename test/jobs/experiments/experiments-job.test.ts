/**
 * The experiment job on the real runtime (worker threads, LMDB, two keyed stages) over generated events: the final
 * streaming report of every experiment equals a batch computation over the same events (counts, per-arm means,
 * Welch differences and standard errors, CUPED's pooled theta, cohort sizes, the observational arms' naive
 * difference) to floating-point tolerance; reports come at the configured event-time cadence; the HTTP routes read
 * the same reports back from LMDB; bad records, exposures to arms a declared split lacks and exposures without the
 * covariates reach the dead-letter sink.
 * The self-selected feature is confounded (engaged users choose it and click more): its weighted estimate's
 * interval covers the true effect from the generator's click model while the naive difference misses it by more
 * than its own interval (seen: truth 1.65 clicks per user, naive 3.63 with se 0.21, weighted 1.74 [1.30, 2.17]).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ecommerceEvents } from '../../../src/connectors/generator/generator-source.js';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../../src/connectors/memory/memory-channels.js';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { ExperimentReport } from '../../../src/jobs/experiments/experiment-report.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { mean, pooledTheta, unitRows, welch, type UnitRow } from './batch-reference.js';
import { experimentOptions, generatorOptions, WINDOWS } from './experiment-world.js';
import { trueClickEffect } from './observational-truth.js';
import { experimentsJob } from './fixtures/experiments-job.js';

const modulePath = fileURLToPath(new URL('./fixtures/experiments-job.js', import.meta.url));
const HOUR = 3_600_000;

/** |a - b| within 1e-9 relative (floating-point sums in another order), or 1e-12 absolute near zero. */
function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what}: no value`);
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-3), `${what}: streaming ${actual}, batch ${expected}`);
}

const values = (rows: readonly UnitRow[], arm: string, name: string) => rows.filter((r) => r.arm === arm).map((r) => r.values[name]!);

/**
 * The generator exposes a user at the first session, before any other event of the user. To exercise "outcomes
 * since exposure", every coupon exposure is moved to the time of the user's fifth later event (and to its place in
 * the stream), so the user's earlier events must not count in that experiment.
 */
function exposeLater(events: BehaviourEvent[]): BehaviourEvent[] {
  const out = events.slice();
  const exposures = out.filter((e) => e.type === 'exposure' && e.experiment!.id === 'coupon');
  for (const x of exposures) {
    const from = out.indexOf(x);
    let seen = 0;
    let to = from + 1;
    for (; to < out.length; to++) if (out[to]!.userId === x.userId && ++seen === 5) break;
    if (to === out.length) continue;
    out.splice(from, 1);
    out.splice(to - 1, 0, { ...x, ts: out[to - 1]!.ts });
  }
  return out;
}

test('experiments on the runtime: streaming reports equal the batch computation, at the configured cadence, served over HTTP', async (t) => {
  const generated = exposeLater([...ecommerceEvents(generatorOptions)] as BehaviourEvent[]);
  const ts = generated[500]!.ts;
  const malformed = [
    { type: 'exposure', userId: 'u1', ts, experiment: { id: 'nope', variant: 'a', randomized: true }, covariates: {} },
    { type: 'exposure', userId: 'u2', ts, experiment: { id: 'ranker', variant: 'z', randomized: true }, covariates: {} },
    { type: 'view', userId: 'u3', ts },
  ];
  const byPartition: unknown[][] = [[], []];
  generated.forEach((e) => byPartition[Number(e.userId.slice(1)) % 2]!.push(e));
  byPartition[0]!.splice(1000, 0, ...malformed);
  clearMemoryChannels();
  setMemoryInput(
    'events',
    byPartition.map((list) => list.map((value) => ({ key: null, value }))),
  );
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-experiments-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'experimentsJob'), graph: experimentsJob, stateDir, workers: 2, slots: 4 });
    await runner.run();

    const dead = memoryOutput('dlq').map((r) => (r.value as { reason: string }).reason);
    assert.equal(dead.length, 3);
    assert.ok(
      dead.some((r) => /exposure to experiment 'nope' lacks covariate 'highValue'/.test(r)),
      dead.join('\n'),
    );
    assert.ok(
      dead.some((r) => /arm 'z' of experiment 'ranker', which has no such arm/.test(r)),
      dead.join('\n'),
    );
    assert.ok(
      dead.some((r) => /a view event needs an itemId/.test(r)),
      dead.join('\n'),
    );

    const reports = memoryOutput('results').map((r) => r.value as ExperimentReport);
    const last = new Map<string, ExperimentReport>();
    for (const r of reports) {
      const before = last.get(r.experiment);
      assert.ok(r.asOf % 60_000 === 0, `report times are multiples of the emit interval: ${r.asOf}`);
      assert.ok(!before || r.asOf > before.asOf, `${r.experiment}: reports move forward in event time`);
      last.set(r.experiment, r);
    }
    assert.deepEqual([...last.keys()].sort(), ['coupon', 'ranker', 'wishlist']);
    for (const id of last.keys()) assert.ok(reports.filter((x) => x.experiment === id).length > 20, `${id}: reported continuously`);

    const rows = unitRows(generated, WINDOWS);
    for (const id of ['ranker', 'coupon']) {
      const report = last.get(id)!;
      const units = rows.get(id)!;
      // The coupon test is not declared: its arms are the variants seen, its control the one named control.
      const arms = experimentOptions.experiments!.find((x) => x.id === id)?.split ?? { control: 1, coupon: 1 };
      assert.deepEqual(Object.keys(report.units.randomized).sort(), Object.keys(arms).sort(), `${id} arms`);
      assert.equal(report.control, 'control');
      for (const arm of Object.keys(arms)) assert.equal(report.units.randomized[arm], values(units, arm, 'views').length, `${id}/${arm} units`);
      for (const m of report.metrics) {
        const spec = experimentOptions.metrics.find((s) => (s.window ? `${s.metric}@${s.window}` : s.metric) === m.metric)!;
        for (const a of m.arms) close(a.mean, mean(values(units, a.arm, m.metric)), `${id}/${a.arm} mean ${m.metric}`);
        for (const c of m.comparisons) {
          const want = welch(values(units, 'control', m.metric), values(units, c.arm, m.metric));
          close(c.difference?.estimate, want.estimate, `${id}/${c.arm} ${m.metric} difference`);
          close(c.difference?.standardError, want.standardError, `${id}/${c.arm} ${m.metric} standard error`);
          if (spec.preExposure && c.cuped?.applied) {
            const theta = pooledTheta(['control', c.arm].map((arm) => ({ y: values(units, arm, m.metric), x: values(units, arm, spec.preExposure!) })));
            close(c.cuped.theta, theta, `${id}/${c.arm} ${m.metric} CUPED theta`);
          }
        }
      }
      const cohorts = new Map<number, number>();
      for (const u of units) cohorts.set(Math.floor(u.exposedAt / HOUR) * HOUR, (cohorts.get(Math.floor(u.exposedAt / HOUR) * HOUR) ?? 0) + 1);
      assert.deepEqual(
        report.cohorts.map((c) => [c.cohort, Object.values(c.counts).reduce((a, b) => a + b, 0)]),
        [...cohorts].sort((a, b) => a[0] - b[0]),
        `${id} cohort sizes`,
      );
    }
    // Conversion windows: the windowed metrics above matched the batch rows' counts within the window; the window bites.
    for (const [windowed, plain] of [
      ['converted@20m', 'converted'],
      ['clicks@10m', 'clicks'],
    ] as const) {
      const all = rows.get('ranker')!;
      assert.ok(mean(all.map((u) => u.values[windowed]!)) < 0.9 * mean(all.map((u) => u.values[plain]!)), `${windowed} counts less than ${plain}`);
    }
    for (const a of last.get('ranker')!.metrics.find((m) => m.metric === 'clicks@10m')!.arms) {
      const sum = (name: string) => values(rows.get('ranker')!, a.arm, name).reduce((t, v) => t + v, 0);
      close(a.ratio?.ratio, sum('clicks@10m') / sum('views@10m'), `ranker/${a.arm} clicks per view within 10m`);
    }
    const couponUsage = last.get('coupon')!.metrics.find((m) => m.metric === 'converted')!.comparisons[0]!.nonCompliance;
    assert.ok(couponUsage, 'the coupon test has a complier analysis');
    const used = new Map(
      generated.filter((e) => e.type === 'exposure' && e.experiment!.id === 'coupon').map((e) => [e.userId, e.experiment!.used !== false ? 1 : 0]),
    );
    close(
      couponUsage.firstStage.estimate,
      mean(
        rows
          .get('coupon')!
          .filter((u) => u.arm === 'coupon')
          .map((u) => used.get(u.user)!),
      ),
      'coupon first stage: the share of assigned users who use it',
    );
    const ranker = rows.get('ranker')!;
    const coupon = rows.get('coupon')!;
    assert.ok(mean(coupon.map((u) => u.values.views!)) < 0.95 * mean(ranker.map((u) => u.values.views!)), 'the later coupon exposure leaves out earlier views');

    const wishlist = last.get('wishlist')!;
    const obsUnits = rows.get('wishlist')!;
    assert.deepEqual(wishlist.units.observational, {
      arm: 'wishlist',
      control: values(obsUnits, 'control', 'clicks').length,
      treated: values(obsUnits, 'wishlist', 'clicks').length,
      otherArms: 0,
    });
    const clicks = wishlist.metrics.find((m) => m.metric === 'clicks')!;
    const naive = welch(values(obsUnits, 'control', 'clicks'), values(obsUnits, 'wishlist', 'clicks'));
    close(clicks.observational?.naive?.estimate, naive.estimate, 'wishlist naive difference');
    const effect = trueClickEffect(generatorOptions, 'wishlist', obsUnits, generated);
    const weighted = clicks.observational!.effect;
    t.diagnostic(
      `wishlist clicks per user: true effect ${effect.toFixed(4)}; naive ${naive.estimate.toFixed(4)} (se ${naive.standardError.toFixed(4)}); weighted ${weighted.estimate.toFixed(4)} [${weighted.lower.toFixed(4)}, ${weighted.upper.toFixed(4)}]`,
    );
    assert.ok(weighted.lower <= effect && effect <= weighted.upper, 'the weighted interval covers the true effect');
    assert.ok(Math.abs(naive.estimate - effect) > 1.96 * naive.standardError, 'the naive difference is off by more than its own interval');

    const app = buildQueryApp(jobView(runner, stateDir), routeContributions(experimentsJob));
    for (const id of last.keys()) {
      const res = await app.inject(`/experiments/${id}`);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), JSON.parse(JSON.stringify(last.get(id))), `/experiments/${id} from LMDB is the last report emitted`);
    }
    const list = (await app.inject('/experiments')).json() as { experiments: Array<{ experiment: string; declared: boolean; reported: boolean }> };
    const found = [...last.keys()].filter((id) => id !== 'ranker' && id !== 'wishlist').sort();
    assert.ok(found.length > 0, 'the stream holds an experiment the options do not declare');
    assert.deepEqual(
      list.experiments.map((x) => [x.experiment, x.declared, x.reported]),
      [['ranker', true, true], ['wishlist', true, true], ...found.map((id) => [id, false, true])],
      'declared experiments, then those found in the stream',
    );
    const missing = await app.inject('/experiments/nope');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /experiment 'nope' has no report \(declared: ranker, wishlist\)/);
    const oneMetric = (await app.inject('/experiments/ranker?metric=revenue')).json() as ExperimentReport;
    assert.deepEqual(
      oneMetric.metrics.map((m) => m.metric),
      ['revenue'],
    );
    assert.equal((await app.inject('/experiments/ranker?metric=nothing')).statusCode, 400);
    await app.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
