/**
 * Child process of the scaling and main-thread benchmarks: runs one keyed job over synthetic keys once and sends
 * back wall, CPU and main-thread CPU seconds, peak memory, state on disk and the number of slot batches. `impl`:
 * - `flywheel`: the job (keyedCount or dropAfterKeyBy) with N worker threads, paced at `rate` or unpaced, the source
 *   read on the main thread or by the workers (`intake`);
 * - `baseline`: a plain single-threaded count per key in a Map over the same events;
 * - `source`: the synthetic-keys source alone, polled to its end as the runner polls it (what reading costs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';
import type { SlotPlacement } from '../../src/runtime/worker-pool.js';
import type { JobGraph } from '../../src/graph/model.js';
import { childOptions, sendResult } from '../child-process.js';
import { diskMiB } from '../job-figures.js';
import { measure } from '../measure.js';
import { mainThreadCpuSeconds } from '../thread-cpu.js';
import { syntheticKeyedEvents, syntheticKeysSourceType } from './synthetic-keys.js';

export interface KeyedRun {
  impl: 'flywheel' | 'baseline' | 'source';
  job: 'keyedCount' | 'dropAfterKeyBy';
  keys: number;
  events: number;
  workers: number;
  rate: number;
  /** Flywheel's slot placement (runtime.placement); `any` when absent. */
  placement?: SlotPlacement;
  /** Where the source is read and keyed (runtime.intake); `main` when absent. */
  intake?: IntakePlacement;
}

export interface KeyedRunResult {
  seconds: number;
  cpuSeconds: number;
  mainThreadCpuSeconds: number;
  peakRssMiB: number;
  stateMiB: number | null;
  batches: number | null;
  /** Distinct keys counted (baseline), to show the state held every key. */
  distinctKeys: number | null;
}

const o = childOptions<KeyedRun>();
const sourceOptions = { keys: o.keys, count: o.events, partitions: 4, rate: o.rate };
const found: Pick<KeyedRunResult, 'stateMiB' | 'batches' | 'distinctKeys'> = { stateMiB: null, batches: null, distinctKeys: null };

async function runFlywheel(): Promise<void> {
  process.env.SCALING_SOURCE = JSON.stringify(sourceOptions);
  const graph = ((await import('./keyed-jobs.js')) as unknown as Record<string, JobGraph>)[o.job]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-scaling-'));
  try {
    const runner = new JobRunner({
      job: moduleJobRef(fileURLToPath(new URL('./keyed-jobs.js', import.meta.url)), o.job),
      graph,
      stateDir,
      workers: o.workers,
      slots: 16,
      placement: o.placement ?? 'any',
      intake: o.intake ?? 'main',
    });
    found.batches = (await runner.run()).batches;
    found.stateMiB = diskMiB(stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function runBaseline(): void {
  const counts = new Map<number, number>();
  for (const e of syntheticKeyedEvents(o.keys, o.events)) counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  found.distinctKeys = counts.size;
}

async function pollSource(): Promise<void> {
  const source = syntheticKeysSourceType.create(sourceOptions, { jobName: 'source-only', baseDir: '.', stepId: 'events' });
  await source.open({ startOffsets: new Map() });
  while (!source.finished()) await source.poll(4096);
}

const main0 = mainThreadCpuSeconds();
const m = await measure(async () => {
  if (o.impl === 'flywheel') await runFlywheel();
  else if (o.impl === 'baseline') runBaseline();
  else await pollSource();
});
sendResult({ ...m, mainThreadCpuSeconds: mainThreadCpuSeconds() - main0, ...found } satisfies KeyedRunResult);
