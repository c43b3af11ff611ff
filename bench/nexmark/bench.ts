/**
 * The Nexmark benchmark: for each query, in one run, the plain single-threaded baseline and Flywheel with 1 and 2
 * worker threads over the same generated events, each measurement in a fresh process (measure-query.ts); with
 * `placements: ['any', 'pinned']` also each slot placement (`flywheel-N-pinned` rows for the pinned one), and with
 * `intakes: ['main', 'workers']` the source read on the main thread and by the workers (`-worker-intake` rows), and
 * with `commitIntervals` each commit interval of the pinned slots (`-commit-Nms` rows), and with `inThread` the
 * query's stages in one thread with no hand-offs (`in-thread` row, in-thread-run.ts: throughput only).
 * Throughput runs are unpaced (medians of `runs`); then each implementation runs once paced at the same rate, half
 * the slower Flywheel throughput, with event time following the wall clock, for the latency quantiles. Reports one
 * figure per query and implementation.
 */
import { fileURLToPath } from 'node:url';
import { runChild } from '../child-process.js';
import { rateFigures, type RateFigures } from '../job-figures.js';
import { median } from '../measure.js';
import type { IntakePlacement } from '../../src/graph/runtime-settings.js';
import type { SlotPlacement } from '../../src/runtime/worker-pool.js';
import type { QueryRun, QueryRunResult } from './measure-query.js';

const script = fileURLToPath(new URL('./measure-query.js', import.meta.url));

export interface NexmarkBenchOptions {
  events: number;
  queries: string[];
  runs: number;
  workers: number[];
  /** Slot placements to run Flywheel with (runtime.placement); `any` alone by default. */
  placements: SlotPlacement[];
  /** Where the source is read (runtime.intake); `main` alone by default. */
  intakes: IntakePlacement[];
  /** Commit intervals to run pinned slots with (runtime.commitInterval, ms); the runtime's default alone when absent. */
  commitIntervals?: number[];
  /** Adds the in-thread row: the floor under any placement of the query on threads. */
  inThread?: boolean;
  /** Executor counts to run the executor runtime with (`executors-N` rows). */
  executors?: number[];
  latencySeconds: number;
}

export interface Figure extends RateFigures {
  bench: 'nexmark';
  query: string;
  impl: string;
  outputs: number;
  pacedRate: number | null;
  pacedEventsPerSecond: number | null;
  latencySamples: number | null;
  /** Paced outputs delivered before their due moment (released by the end of input, or ahead of the clock). */
  releasedEarly: number | null;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

type LatencyField = 'pacedRate' | 'pacedEventsPerSecond' | 'latencySamples' | 'releasedEarly' | 'p50LatencyMs' | 'p99LatencyMs';

/** An implementation: the baseline (0 workers), or Flywheel with N workers, a slot placement and an intake. */
interface Impl {
  workers: number;
  inThread?: boolean;
  /** The executor runtime with `workers` executors. */
  executors?: boolean;
  placement: SlotPlacement;
  intake: IntakePlacement;
  commitInterval?: number;
}

const implName = ({ workers, inThread, executors, placement, intake, commitInterval }: Impl): string =>
  inThread
    ? 'in-thread'
    : executors
      ? `executors-${workers}`
      : workers === 0
        ? 'baseline'
        : `flywheel-${workers}${placement === 'any' ? '' : `-${placement}`}${intake === 'main' ? '' : '-worker-intake'}${commitInterval === undefined ? '' : `-commit-${commitInterval}ms`}`;

async function throughput(query: string, impl: Impl, o: NexmarkBenchOptions): Promise<Omit<Figure, LatencyField>> {
  const runs: QueryRunResult[] = [];
  for (let i = 0; i < o.runs; i++) runs.push(await runChild<QueryRunResult>(script, { query, ...impl, events: o.events, rate: 0 } satisfies QueryRun));
  const seconds = median(runs.map((r) => r.seconds));
  const cpu = median(runs.map((r) => r.cpuSeconds));
  const outputs = new Set(runs.map((r) => r.outputs));
  if (outputs.size !== 1) throw new Error(`${query} ${implName(impl)}: runs disagree on the output count (${[...outputs].join(', ')})`);
  const stateMiB = runs[0]!.stateMiB === null ? null : median(runs.map((r) => r.stateMiB!));
  return {
    bench: 'nexmark',
    query,
    impl: implName(impl),
    ...rateFigures(o.events, { seconds, cpuSeconds: cpu, peakRssMiB: median(runs.map((r) => r.peakRssMiB)), stateMiB }),
    outputs: runs[0]!.outputs,
  };
}

export async function nexmarkBench(o: NexmarkBenchOptions, report: (f: Figure) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const query of o.queries) {
    const impls: Impl[] = [
      { workers: 0, placement: 'any', intake: 'main' },
      ...(o.inThread ? [{ workers: 1, inThread: true, placement: 'pinned' as const, intake: 'main' as const }] : []),
      ...o.intakes.flatMap((intake) =>
        o.placements.flatMap((placement) =>
          o.workers.flatMap((workers) =>
            placement === 'pinned' && o.commitIntervals
              ? o.commitIntervals.map((commitInterval) => ({ workers, placement, intake, commitInterval }))
              : [{ workers, placement, intake }],
          ),
        ),
      ),
      ...(o.executors ?? []).map((workers) => ({ workers, executors: true, placement: 'pinned' as const, intake: 'workers' as const })),
    ];
    const rows = [];
    for (const impl of impls) rows.push(await throughput(query, impl, o));
    const baselineOutputs = rows[0]!.outputs;
    for (const row of rows)
      if (row.outputs !== baselineOutputs) throw new Error(`${query} ${row.impl}: ${row.outputs} outputs, the baseline ${baselineOutputs}`);
    const rate = Math.round(Math.min(...rows.filter((_, i) => i > 0 && !impls[i]!.inThread).map((r) => r.eventsPerSecond)) / 2);
    for (const [i, row] of rows.entries()) {
      let latency: Pick<Figure, LatencyField> = {
        pacedRate: null,
        pacedEventsPerSecond: null,
        latencySamples: null,
        releasedEarly: null,
        p50LatencyMs: null,
        p99LatencyMs: null,
      };
      if (o.latencySeconds > 0 && !impls[i]!.inThread) {
        const events = rate * o.latencySeconds;
        const r = await runChild<QueryRunResult>(script, { query, ...impls[i]!, events, rate } satisfies QueryRun);
        latency = {
          pacedRate: rate,
          pacedEventsPerSecond: Math.round(events / r.seconds),
          latencySamples: r.latencySamples,
          releasedEarly: r.releasedEarly,
          p50LatencyMs: r.p50LatencyMs,
          p99LatencyMs: r.p99LatencyMs,
        };
      }
      const figure: Figure = { ...row, ...latency };
      figures.push(figure);
      report(figure);
    }
  }
  return figures;
}
