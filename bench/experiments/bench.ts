/**
 * `npm run bench -- experiments [--users N] [--events N] [--experiments K] [--runs R] [--workers 1,2]
 * [--latency-seconds S] [--latency-rate R]`: the experiment job against the plain single-threaded implementation
 * (baseline.ts) on the same generated events, side by side in one run: events/s (medians of R runs), CPU and
 * memory, and the volume of what each emits (the baseline's reports whole, the job's report changes); then a paced run of the job (event time = wall time) whose reports are polled over HTTP every 50 ms, to
 * measure how long after an event the estimate that includes it is readable at GET /experiments/:id.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentReport } from '../../src/jobs/experiments/experiment-report.js';
import { EXPERIMENT_STATE } from '../../src/jobs/experiments/experiment-stage.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { benchRunSettings } from '../bench-run-settings.js';
import { openStateReadOnly } from '../../src/state/backend.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';
import { measure, median } from '../measure.js';
import { runBaseline, type BaselineResult } from './baseline.js';
import { BENCH_ENV, buildBenchJob } from './job.js';
import type { BenchWorld } from './world.js';

export interface ExperimentsBenchOptions extends BenchWorld {
  runs: number;
  workers: number[];
  latencySeconds: number;
  latencyRate: number;
}

const jobModule = fileURLToPath(new URL('./job.js', import.meta.url));

/**
 * Runs the job as `flywheel run` does (launchJob: runner plus query endpoint on a free port); `during` gets the
 * endpoint's URL once it listens. Returns the units per experiment of the last reports.
 */
async function runJob(
  world: BenchWorld,
  workers: number,
  during?: (url: string) => Promise<void>,
): Promise<{ units: Record<string, number>; resultBytes: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-experiments-bench-'));
  const w: BenchWorld = { ...world, resultsPath: join(stateDir, 'results.jsonl') };
  process.env[BENCH_ENV] = JSON.stringify(w);
  const graph = buildBenchJob(w);
  const units: Record<string, number> = {};
  let watching: Promise<void> | undefined;
  try {
    await launchJob({
      job: moduleJobRef(jobModule, 'benchJob'),
      graph,
      stateDir,
      ...benchRunSettings(workers),
      http: { port: 0, host: '127.0.0.1' },
      onStarted: ({ url }) => {
        watching = during?.(url!);
      },
    });
    await watching;
    const handle = openStateReadOnly(stateDir);
    const reader = new LmdbStateReader(handle, graph.settings.keyGroups, () => Infinity);
    for (let k = 0; k < w.experiments; k++) {
      const report = reader.value<ExperimentReport>('experiment-estimates', `x${k}`, EXPERIMENT_STATE.report);
      units[`x${k}`] = report ? Object.values(report.units.randomized).reduce((a, b) => a + b, 0) : 0;
    }
    await handle.env.close();
    return { units, resultBytes: statSync(w.resultsPath!).size };
  } finally {
    delete process.env[BENCH_ENV];
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

export async function experimentsBench(o: ExperimentsBenchOptions, report: (figure: object) => void): Promise<void> {
  const world: BenchWorld = { users: o.users, events: o.events, experiments: o.experiments };
  const setup = { users: o.users, events: o.events, experiments: o.experiments, arms: 3, runs: o.runs };
  const rates: Record<string, number[]> = {};
  for (let run = 0; run < o.runs; run++) {
    let baseline: BaselineResult | undefined;
    const b = await measure(async () => void (baseline = runBaseline(world)));
    if (!baseline) continue;
    (rates.baseline ??= []).push(baseline.events / b.seconds);
    report({
      bench: 'experiments',
      implementation: 'baseline',
      run,
      ...setup,
      eventsPerSecond: Math.round(baseline.events / b.seconds),
      cpuSeconds: b.cpuSeconds,
      peakRssMiB: b.peakRssMiB,
      reports: baseline.reports,
      reportBytes: baseline.reportBytes,
      exposedUnits: baseline.units,
    });
    for (const workers of o.workers) {
      let result = { units: {} as Record<string, number>, resultBytes: 0 };
      const m = await measure(async () => void (result = await runJob(world, workers)));
      (rates[`flywheel-${workers}`] ??= []).push(o.events / m.seconds);
      report({
        bench: 'experiments',
        implementation: `flywheel-${workers}`,
        run,
        ...setup,
        eventsPerSecond: Math.round(o.events / m.seconds),
        cpuSeconds: m.cpuSeconds,
        coresUsed: +(m.cpuSeconds / m.seconds).toFixed(2),
        peakRssMiB: m.peakRssMiB,
        resultBytes: result.resultBytes,
        exposedUnits: result.units,
      });
    }
  }
  const base = rates.baseline ? median(rates.baseline) : Number.NaN;
  for (const [implementation, values] of Object.entries(rates)) {
    report({
      bench: 'experiments',
      summary: true,
      implementation,
      ...setup,
      medianEventsPerSecond: Math.round(median(values)),
      ratioToBaseline: +(median(values) / base).toFixed(4),
    });
  }
  if (o.latencySeconds > 0) await latency(o, report);
}

/** Paced run: how long after the newest (and the oldest) event of a report's interval the report is readable. */
async function latency(o: ExperimentsBenchOptions, report: (figure: object) => void): Promise<void> {
  const world: BenchWorld = { users: o.users, events: Math.round(o.latencyRate * o.latencySeconds), experiments: o.experiments, rate: o.latencyRate };
  const emitInterval = 10_000;
  // A report as of T includes the events with ts < T folded since T - emitInterval (event time = wall time here).
  const fromNewestEvent: number[] = [];
  const fromOldestEvent: number[] = [];
  await runJob(world, Math.max(...o.workers), async (url) => {
    let last = -Infinity;
    // Polls until the job ends and its endpoint closes.
    for (;;) {
      const res = await fetch(`${url}/experiments/x0`).catch(() => null);
      if (!res) return;
      const now = Date.now();
      if (res.status === 200) {
        const { asOf } = (await res.json()) as ExperimentReport;
        if (asOf > last && last > -Infinity) {
          fromNewestEvent.push(now - asOf);
          fromOldestEvent.push(now - (asOf - emitInterval));
        }
        last = Math.max(last, asOf);
      } else await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  report({
    bench: 'experiments-latency',
    users: o.users,
    experiments: o.experiments,
    offeredEventsPerSecond: o.latencyRate,
    seconds: o.latencySeconds,
    emitIntervalMs: emitInterval,
    reportsSeen: fromNewestEvent.length,
    newestEventToHttpMs: { p50: quantile(fromNewestEvent, 0.5), p95: quantile(fromNewestEvent, 0.95) },
    oldestEventToHttpMs: { p50: quantile(fromOldestEvent, 0.5), p95: quantile(fromOldestEvent, 0.95) },
  });
}
