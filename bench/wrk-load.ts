/**
 * A load client of the serving benchmarks: wrk (Debian's package; `apt-get install wrk`), a C client that costs the
 * machine far less than autocannon, paced to a fixed total rate by wrk-paced.lua (one wrk thread, requests on a
 * fixed schedule, latency timed from the actual send, microsecond resolution). A paced closed loop: a server stall
 * delays at most one request per connection, so it under-counts stalls that an open-loop client (autocannon with an
 * overall rate) would see.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../bench/wrk-paced.lua', import.meta.url));

export interface WrkPlan {
  url: string;
  /** Ids that `{id}` in the path or body is drawn from. */
  ids: readonly string[];
  /** Where the ids are written for wrk (one per line). */
  idsFile: string;
  rate: number;
  seconds: number;
  connections: number;
  method: 'GET' | 'POST';
  /** Path template: `{id}` is an id drawn from `ids`, `{n}` a number below `n`. */
  path: string;
  /** JSON body template (POST), with the same placeholders. */
  body?: string;
  n?: number;
}

interface WrkFigures {
  requests: number;
  durationUs: number;
  errors: number;
  non2xx: number;
  latencyUs: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean', number>;
}

/** Runs wrk once; figures in the shape the autocannon clients report (latencies in ms). */
export async function wrkLoad(plan: WrkPlan): Promise<Record<string, unknown>> {
  writeFileSync(plan.idsFile, plan.ids.join('\n') + '\n');
  const args = [
    '-t1',
    `-c${plan.connections}`,
    `-d${plan.seconds}s`,
    '-s',
    script,
    plan.url,
    '--',
    plan.idsFile,
    String(plan.rate),
    plan.method,
    plan.path,
    plan.body ?? '',
    String(plan.n ?? 1),
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error('wrk is not installed: apt-get install wrk (or use --client autocannon)') : err;
  });
  const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as WrkFigures;
  const ms = (us: number) => us / 1000;
  const { p50, p90, p99, p999, max, mean } = figures.latencyUs;
  return {
    client: 'wrk',
    offeredRate: plan.rate,
    requestsPerSecond: Math.round((figures.requests * 1e6) / figures.durationUs),
    total: figures.requests,
    non2xx: figures.non2xx,
    errors: figures.errors,
    latencyMs: { mean: ms(mean), p50: ms(p50), p90: ms(p90), p99: ms(p99), p999: ms(p999), max: ms(max) },
  };
}
