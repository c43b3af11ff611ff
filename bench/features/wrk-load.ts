/**
 * The serving benchmark's second load client: wrk (Debian's package; `apt-get install wrk`), a C client that costs
 * the machine far less than autocannon, paced to a fixed total rate by wrk-paced.lua (one wrk thread, requests on a
 * fixed schedule, latency timed from the actual send, microsecond resolution). A paced closed loop: a server stall
 * delays at most one request per connection, so it under-counts stalls that an open-loop client would see; the
 * autocannon runs beside it are open loop.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../bench/features/wrk-paced.lua', import.meta.url));

export interface WrkPlan {
  url: string;
  pathPrefix: string;
  /** Appended to each path (a query string). */
  pathSuffix: string;
  /** A JSON array of ids. */
  idsFile: string;
  rate: number;
  seconds: number;
  connections: number;
}

interface WrkFigures {
  requests: number;
  durationUs: number;
  errors: number;
  non2xx: number;
  latencyUs: Record<'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'mean', number>;
}

/** Runs wrk once; figures in the shape the autocannon client reports (latencies in ms). */
export async function wrkLoad(plan: WrkPlan): Promise<Record<string, unknown>> {
  const linesFile = `${plan.idsFile}.lines`;
  writeFileSync(linesFile, (JSON.parse(readFileSync(plan.idsFile, 'utf8')) as string[]).join('\n') + '\n');
  const args = ['-t1', `-c${plan.connections}`, `-d${plan.seconds}s`, '-s', script, plan.url, '--', linesFile, plan.pathPrefix, String(plan.rate), plan.pathSuffix];
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
