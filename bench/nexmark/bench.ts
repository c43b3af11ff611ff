/**
 * The Nexmark benchmark: for each query, in one run, the plain single-threaded baseline and Flywheel with 1 and 2
 * worker threads over the same in-process generated events. Throughput runs are unpaced (as fast as possible);
 * latency runs are paced at half the measured Flywheel rate with event time following the wall clock. Prints one JSON
 * line per figure and returns them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { registerSinkType } from '../../src/connectors/registry.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { JobGraph } from '../../src/graph/model.js';
import { latencyDigest, latencySinkType } from '../latency-sink.js';
import { measure, median } from '../measure.js';
import { baselines } from './baseline.js';
import { NEXMARK_WATERMARK_DELAY, type NexmarkEvent } from './model.js';

registerSinkType(latencySinkType);

const queriesModule = fileURLToPath(new URL('./queries.js', import.meta.url));
const WINDOWED = new Set(['q5', 'q7']);

export interface NexmarkBenchOptions {
  events: number;
  queries: string[];
  runs: number;
  workers: number[];
  latencySeconds: number;
}

export interface Figure {
  bench: 'nexmark';
  query: string;
  impl: string;
  events: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  cpuCores: number;
  peakRssMiB: number;
  stateMiB?: number;
  outputs: number;
  p50LatencyMs?: number;
  p99LatencyMs?: number;
  rate?: number;
}

async function loadQuery(query: string): Promise<JobGraph> {
  const module = (await import(`./queries.js?${Date.now()}`)) as Record<string, JobGraph>;
  return module[query]!;
}

async function runFlywheel(query: string, workers: number, stateDir: string): Promise<number> {
  const graph = await loadQuery(query);
  const runner = new JobRunner({ job: moduleJobRef(queriesModule, query), graph, stateDir, workers, slots: 16 });
  await runner.run();
  const metric = (await runner.metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'flywheel_records_in_total');
  return Number(metric?.values.find((v) => v.labels.step === 'out')?.value ?? 0);
}

function diskMiB(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir]).toString().split('\t')[0]) / 1024;
}

async function throughput(query: string, impl: string, o: NexmarkBenchOptions): Promise<Figure> {
  const samples: Array<{ m: Awaited<ReturnType<typeof measure>>; outputs: number; stateMiB?: number }> = [];
  for (let run = 0; run < o.runs; run++) {
    process.env.NEXMARK_OPTIONS = JSON.stringify({ count: o.events, partitions: 4 });
    process.env.NEXMARK_SINK = JSON.stringify({ type: 'discard', options: {} });
    let outputs = 0;
    if (impl === 'baseline') {
      const m = await measure(async () => baselines[query]!(nexmarkEvents({ count: o.events }) as Iterable<NexmarkEvent>, () => outputs++));
      samples.push({ m, outputs });
    } else {
      const stateDir = mkdtempSync(join(tmpdir(), 'fw-bench-'));
      const m = await measure(async () => void (outputs = await runFlywheel(query, Number(impl.split('-')[1]), stateDir)));
      samples.push({ m, outputs, stateMiB: diskMiB(stateDir) });
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
  const best = samples.map((s) => s.m);
  const secs = median(best.map((m) => m.seconds));
  const cpu = median(best.map((m) => m.cpuSeconds));
  return {
    bench: 'nexmark', query, impl, events: o.events,
    eventsPerSecond: Math.round(o.events / secs),
    eventsPerCpuSecond: Math.round(o.events / cpu),
    cpuCores: Number((cpu / secs).toFixed(2)),
    peakRssMiB: Math.max(...best.map((m) => m.peakRssMiB)),
    ...(samples[0]!.stateMiB !== undefined ? { stateMiB: Number(median(samples.map((s) => s.stateMiB!)).toFixed(1)) } : {}),
    outputs: samples[0]!.outputs,
  };
}

async function latency(query: string, workers: number, rate: number, seconds: number): Promise<Figure> {
  const name = `${query}-${workers}`;
  process.env.NEXMARK_OPTIONS = JSON.stringify({ count: Math.round(rate * seconds), partitions: 4, rate, eventsPerSecondOfEventTime: rate, startTime: 'now' });
  process.env.NEXMARK_SINK = JSON.stringify({ type: 'latency', options: { name, readyAfter: WINDOWED.has(query) ? NEXMARK_WATERMARK_DELAY : 0 } });
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-bench-'));
  const m = await measure(async () => void (await runFlywheel(query, workers, stateDir)));
  rmSync(stateDir, { recursive: true, force: true });
  const d = latencyDigest(name);
  return {
    bench: 'nexmark', query, impl: `flywheel-${workers}-paced`, events: Math.round(rate * seconds), rate,
    eventsPerSecond: Math.round((rate * seconds) / m.seconds), eventsPerCpuSecond: Math.round((rate * seconds) / m.cpuSeconds), cpuCores: Number((m.cpuSeconds / m.seconds).toFixed(2)),
    peakRssMiB: m.peakRssMiB, outputs: d.count,
    p50LatencyMs: Number(d.digest.percentile(0.5).toFixed(1)), p99LatencyMs: Number(d.digest.percentile(0.99).toFixed(1)),
  };
}

export async function nexmarkBench(o: NexmarkBenchOptions, report: (f: Figure) => void): Promise<Figure[]> {
  const figures: Figure[] = [];
  const add = (f: Figure) => {
    figures.push(f);
    report(f);
  };
  for (const query of o.queries) {
    add(await throughput(query, 'baseline', o));
    let best = 0;
    for (const w of o.workers) {
      const f = await throughput(query, `flywheel-${w}`, o);
      best = Math.max(best, f.eventsPerSecond);
      add(f);
    }
    if (o.latencySeconds > 0) add(await latency(query, Math.max(...o.workers), Math.round(best / 2), o.latencySeconds));
  }
  return figures;
}
