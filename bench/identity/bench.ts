/**
 * `npm run bench -- identity [--users N] [--events N] [--runs R] [--workers 1,2] [--placements any,pinned] [--floor]`:
 * the identity step on the runtime (one key, LMDB state, worker threads) against the plain in-memory union-find loop
 * (plain-union-find.ts) over the same generated events, side by side in one run: events/s and events per CPU-second
 * (medians of R runs), the ratio of the step to the loop, and the component counts of both (equal when the step is
 * correct: the same rules on the same events give the same partition whatever the roots are called). With
 * `--floor`, the same job with a stateless pass-through in place of the identity step runs too: what the runtime
 * around the step costs (generator, routing, batches, the outbox), which no identity step can go below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IDENTITY_KEY, IDENTITY_STATE, type IdentityStats } from '../../src/jobs/identity/identity-step.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { benchRunSettings } from '../bench-run-settings.js';
import type { SlotPlacement } from '../../src/runtime/worker-pool.js';
import { openStateReadOnly } from '../../src/state/backend.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';
import { measure, median } from '../measure.js';
import { BENCH_ENV, buildBenchJob, type BenchStep } from './job.js';
import { runPlainUnionFind, type PlainResult } from './plain-union-find.js';
import type { IdentityWorld } from './world.js';

export interface IdentityBenchOptions extends IdentityWorld {
  runs: number;
  workers: number[];
  placements: SlotPlacement[];
  floor: boolean;
}

const jobModule = fileURLToPath(new URL('./job.js', import.meta.url));

async function runJob(w: IdentityWorld, step: BenchStep, workers: number, placement: SlotPlacement): Promise<IdentityStats | undefined> {
  const world: IdentityWorld = { users: w.users, events: w.events };
  process.env[BENCH_ENV] = JSON.stringify({ world, step });
  const graph = buildBenchJob(world, step);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-identity-bench-'));
  try {
    await launchJob({
      job: moduleJobRef(jobModule, 'benchJob'),
      graph,
      stateDir,
      ...benchRunSettings(workers, placement),
    });
    const handle = openStateReadOnly(stateDir);
    const stats = new LmdbStateReader(handle, graph.settings.keyGroups, () => Infinity).value<IdentityStats>('identity', IDENTITY_KEY, IDENTITY_STATE.stats);
    await handle.env.close();
    return stats;
  } finally {
    delete process.env[BENCH_ENV];
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function* jobRuns(o: IdentityBenchOptions): Generator<[BenchStep, number, SlotPlacement]> {
  for (const step of o.floor ? (['identity', 'floor'] as const) : (['identity'] as const)) {
    for (const workers of o.workers) for (const placement of o.placements) yield [step, workers, placement];
  }
}

export async function identityBench(o: IdentityBenchOptions, report: (figure: object) => void): Promise<void> {
  const setup = { users: o.users, events: o.events, runs: o.runs };
  const rates: Record<string, number[]> = {};
  const perCpu: Record<string, number[]> = {};
  for (let run = 0; run < o.runs; run++) {
    let plain: PlainResult | undefined;
    const p = await measure(async () => void (plain = runPlainUnionFind(o)));
    (rates.plain ??= []).push(o.events / p.seconds);
    (perCpu.plain ??= []).push(o.events / p.cpuSeconds);
    report({
      bench: 'identity',
      implementation: 'plain',
      run,
      ...setup,
      eventsPerSecond: Math.round(o.events / p.seconds),
      eventsPerCpuSecond: Math.round(o.events / p.cpuSeconds),
      peakRssMiB: p.peakRssMiB,
      identifiers: plain!.identifiers,
      components: plain!.components,
    });
    for (const [step, workers, placement] of jobRuns(o)) {
      let stats: IdentityStats | undefined;
      const m = await measure(async () => void (stats = await runJob(o, step, workers, placement)));
      const name = `${step === 'identity' ? 'flywheel' : 'floor'}-${workers}${placement === 'any' ? '' : `-${placement}`}`;
      (rates[name] ??= []).push(o.events / m.seconds);
      (perCpu[name] ??= []).push(o.events / m.cpuSeconds);
      report({
        bench: 'identity',
        implementation: name,
        run,
        ...setup,
        eventsPerSecond: Math.round(o.events / m.seconds),
        eventsPerCpuSecond: Math.round(o.events / m.cpuSeconds),
        coresUsed: +(m.cpuSeconds / m.seconds).toFixed(2),
        peakRssMiB: m.peakRssMiB,
        ...(step === 'identity'
          ? {
              identifiers: stats?.identifiers,
              components: stats?.components,
              sameComponentsAsPlain: stats?.components === plain!.components && stats?.identifiers === plain!.identifiers,
            }
          : {}),
      });
    }
  }
  for (const [implementation, values] of Object.entries(rates)) {
    report({
      bench: 'identity',
      summary: true,
      implementation,
      ...setup,
      medianEventsPerSecond: Math.round(median(values)),
      medianEventsPerCpuSecond: Math.round(median(perCpu[implementation]!)),
      ratioToPlain: +(median(values) / median(rates.plain!)).toFixed(4),
      cpuRatioToPlain: +(median(perCpu[implementation]!) / median(perCpu.plain!)).toFixed(4),
    });
  }
}
