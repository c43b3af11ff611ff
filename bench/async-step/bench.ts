/**
 * `npm run bench -- async-step [--latencies 1,50] [--capacity 100] [--events 1:20000,50:10000] [--workers 1]`: the
 * async step in a real job (generator -> keyBy -> async -> discard, one worker thread by default, so `capacity`
 * calls in flight in all) against a plain Promise-pool loop (`capacity` lanes calling with node:http, as the step's
 * client does, the same headers and body, parsing the answer and building the output record), both calling the same HTTP service in a process
 * of its own that answers after the given latency. Per latency: events/s of each, their ratio to
 * capacity/latency and to each other, events per CPU-second of the measuring process (the service's CPU is not
 * counted), and the load average when the run ended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { benchRunSettings } from '../bench-run-settings.js';
import { measure, type Measurement } from '../measure.js';
import { BENCH_ENV, buildBenchJob, type AsyncBenchJob } from './job.js';
import { startLatencyService } from '../../test/harness/latency-service.js';

const jobModule = fileURLToPath(new URL('./job.js', import.meta.url));

export interface AsyncBenchOptions {
  latencies: number[];
  capacity: number;
  /** Events per latency (ms -> count). */
  events: Map<number, number>;
  workers: number;
}

async function runJob(b: AsyncBenchJob, workers: number): Promise<void> {
  process.env[BENCH_ENV] = JSON.stringify(b);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-async-bench-'));
  try {
    await launchJob({
      job: moduleJobRef(jobModule, 'benchJob'),
      graph: buildBenchJob(b),
      stateDir,
      ...benchRunSettings(workers),
    });
  } finally {
    delete process.env[BENCH_ENV];
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The baseline: the same calls from a pool of `capacity` lanes over an array of records, on node:http kept alive. */
async function plainLoop(events: number, url: string, capacity: number): Promise<void> {
  const agent = new Agent({ keepAlive: true });
  const post = (body: string, key: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            accept: 'application/json',
            'idempotency-key': key,
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const records = Array.from({ length: events }, (_, n) => ({ userId: `u${n % 20_000}`, itemId: `i${n % 2_000}`, type: 'view', ts: 1_700_000_000_000 + n }));
  let next = 0;
  let answered = 0;
  const lane = async () => {
    while (next < records.length) {
      const n = next++;
      const record = records[n]!;
      const result = JSON.parse(await post(JSON.stringify(record), `events/0/${n}`)) as unknown;
      // The output record the async step would emit.
      const output = { ...record, result };
      answered += output.result === undefined ? 0 : 1;
    }
  };
  await Promise.all(Array.from({ length: capacity }, lane));
  agent.destroy();
  if (answered !== events) throw new Error(`plain loop answered ${answered} of ${events}`);
}

export async function asyncStepBench(o: AsyncBenchOptions, report: (figure: object) => void): Promise<void> {
  for (const latencyMs of o.latencies) {
    const events = o.events.get(latencyMs) ?? 20_000;
    const ceiling = (o.capacity * 1000) / latencyMs;
    const server = await startLatencyService(latencyMs);
    try {
      const figures: Record<string, Measurement> = {};
      for (const implementation of ['plain', 'flywheel'] as const) {
        figures[implementation] = await measure(() =>
          implementation === 'plain' ? plainLoop(events, server.url, o.capacity) : runJob({ events, url: server.url, capacity: o.capacity }, o.workers),
        );
        const m = figures[implementation]!;
        const perSecond = events / m.seconds;
        report({
          bench: 'async-step',
          implementation,
          latencyMs,
          capacity: o.capacity,
          workers: implementation === 'plain' ? 0 : o.workers,
          events,
          eventsPerSecond: Math.round(perSecond),
          ofCeiling: +(perSecond / ceiling).toFixed(3),
          eventsPerCpuSecond: Math.round(events / m.cpuSeconds),
          seconds: +m.seconds.toFixed(2),
          cpuSeconds: +m.cpuSeconds.toFixed(2),
          peakRssMiB: m.peakRssMiB,
          loadAverage1m: +loadavg()[0]!.toFixed(2),
        });
      }
      const plain = figures.plain!;
      const flywheel = figures.flywheel!;
      report({
        bench: 'async-step',
        summary: true,
        latencyMs,
        capacity: o.capacity,
        events,
        ceilingPerSecond: ceiling,
        flywheelOfCeiling: +(events / flywheel.seconds / ceiling).toFixed(3),
        flywheelOfPlain: +(plain.seconds / flywheel.seconds).toFixed(3),
        flywheelOfPlainPerCpuSecond: +(plain.cpuSeconds / flywheel.cpuSeconds).toFixed(3),
        loadAverage1m: +loadavg()[0]!.toFixed(2),
      });
    } finally {
      server.stop();
    }
  }
}
