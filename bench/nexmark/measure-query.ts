/**
 * Child process of the Nexmark benchmark: runs one query once, as the plain baseline or as Flywheel with N worker
 * threads, either unpaced (throughput) or paced with event time following the wall clock (latency), and sends back
 * what it measured: wall and CPU seconds, peak memory, state on disk, outputs and, when paced, latency quantiles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { registerSinkType } from '../../src/connectors/registry.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { ExecutorJob } from '../../src/runtime/executor-job.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';
import type { SlotPlacement } from '../../src/runtime/worker-pool.js';
import type { JobGraph } from '../../src/graph/model.js';
import { childOptions, sendResult } from '../child-process.js';
import { latencyDigest, latencySinkType, type Latencies } from '../latency-sink.js';
import { measure } from '../measure.js';
import { diskMiB, outputsOf } from '../job-figures.js';
import { baselines } from './baseline.js';
import { NEXMARK_WATERMARK_DELAY, type NexmarkEvent } from './model.js';
import { pacedBaseline } from './paced-baseline.js';
import { runInThread } from './in-thread-run.js';

export interface QueryRun {
  query: string;
  /** 0: the plain baseline; N > 0: Flywheel with N worker threads. */
  workers: number;
  /** Flywheel's stages in the benchmark's own thread with no hand-offs (in-thread-run.ts), instead of the runtime. */
  inThread?: boolean;
  /** Flywheel's slot placement (runtime.placement); `any` when absent. */
  placement?: SlotPlacement;
  /** Where the source is read (runtime.intake); `main` when absent. */
  intake?: IntakePlacement;
  /** The executor runtime (executor-job.ts) instead of the slot runtime: `workers` executors. */
  executors?: boolean;
  /** runtime.commitInterval (ms); the runtime's default when absent. */
  commitInterval?: number;
  events: number;
  /** Paced events per second (also events per second of event time); 0: unpaced. */
  rate: number;
}

export interface QueryRunResult {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  stateMiB: number | null;
  outputs: number;
  /** Paced runs: outputs with a latency, and outputs delivered before they were due (see latency-sink.ts). */
  latencySamples: number | null;
  releasedEarly: number | null;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

/** Windowed results can exist only once the watermark (event time minus 4 s) passes their window. */
const WINDOWED = new Set(['q5', 'q7', 'q8', 'q11']);
const queriesModule = fileURLToPath(new URL('./queries.js', import.meta.url));

function quantile(l: Latencies | null, q: number): number | null {
  return l && l.count > 0 ? Number(l.digest.percentile(q).toFixed(1)) : null;
}

const o = childOptions<QueryRun>();
const readyAfter = WINDOWED.has(o.query) ? NEXMARK_WATERMARK_DELAY : 0;
const paced = o.rate > 0;
const found: { outputs: number; stateMiB: number | null; latency: Latencies | null } = { outputs: 0, stateMiB: null, latency: null };

const m = await measure(async () => {
  if (o.workers === 0) {
    if (paced) {
      found.latency = pacedBaseline(o.query, o.rate, o.events, readyAfter);
      found.outputs = found.latency.count + found.latency.releasedEarly;
    } else baselines[o.query]!(nexmarkEvents({ count: o.events, partitions: 4 }) as Iterable<NexmarkEvent>, () => found.outputs++);
    return;
  }
  if (o.inThread) {
    process.env.NEXMARK_OPTIONS = JSON.stringify({ count: o.events, partitions: 4 });
    const graph = ((await import(`./queries.js?in-thread=${o.query}`)) as unknown as Record<string, JobGraph>)[o.query]!;
    const stateDir = mkdtempSync(join(tmpdir(), 'fw-nexmark-'));
    try {
      found.outputs = runInThread({ graph, stateDir, events: o.events, partitions: 4, commitInterval: o.commitInterval ?? 100 });
      found.stateMiB = diskMiB(stateDir);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
    return;
  }
  registerSinkType(latencySinkType);
  process.env.NEXMARK_OPTIONS = JSON.stringify(
    paced ? { count: o.events, partitions: 4, rate: o.rate, eventsPerSecondOfEventTime: o.rate, startTime: 'now' } : { count: o.events, partitions: 4 },
  );
  process.env.NEXMARK_SINK = JSON.stringify(paced ? { type: 'latency', options: { name: 'paced', readyAfter } } : { type: 'discard', options: {} });
  // A fresh evaluation of the queries module: the copy the baselines imported read the environment before it was set.
  const graph = ((await import(`./queries.js?paced=${paced}`)) as unknown as Record<string, JobGraph>)[o.query]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-nexmark-'));
  try {
    const runner = new (o.executors ? ExecutorJob : JobRunner)({
      job: moduleJobRef(queriesModule, o.query),
      graph,
      stateDir,
      workers: o.workers,
      slots: 16,
      placement: o.placement ?? 'any',
      intake: o.intake ?? 'main',
      ...(o.commitInterval !== undefined ? { commitInterval: o.commitInterval } : {}),
    });
    await runner.run();
    found.outputs = await outputsOf(runner);
    found.stateMiB = diskMiB(stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  if (paced) found.latency = latencyDigest('paced');
});

const result: QueryRunResult = {
  ...m,
  stateMiB: found.stateMiB,
  outputs: found.outputs,
  latencySamples: found.latency?.count ?? null,
  releasedEarly: found.latency?.releasedEarly ?? null,
  p50LatencyMs: quantile(found.latency, 0.5),
  p99LatencyMs: quantile(found.latency, 0.99),
};
sendResult(result);
