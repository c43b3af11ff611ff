/**
 * Lookup latency of GET /features/users/:id over LMDB state: runs the user-feature job on generated events into a
 * fresh state directory, serves its query endpoint on loopback, then measures
 *   - one request at a time on a keep-alive connection (client-side wall time per request, microsecond resolution);
 *   - load from autocannon (N connections for D seconds): requests/s and its latency percentiles (1 ms resolution).
 * Ids are drawn uniformly from the users that have features. Prints one JSON line per figure.
 *   node dist/bench/features-lookup.js [--events N] [--users U] [--connections C] [--seconds D] [--sequential R]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TDigest } from 'tdigest';
import { buildQueryApp } from '../src/query/app.js';
import { startQueryServer } from '../src/query/server.js';
import { moduleJobRef } from '../src/runtime/job-loader.js';
import { jobView } from '../src/runtime/job-view.js';
import { routeContributions } from '../src/runtime/route-contributions.js';
import { JobRunner } from '../src/runtime/runner.js';
import { measure } from './measure.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const events = option('events', 300_000);
const users = option('users', 20_000);
const connections = option('connections', 10);
const seconds = option('seconds', 10);
const sequential = option('sequential', 20_000);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
const report = (figure: object) => process.stdout.write(JSON.stringify({ bench: 'features-lookup', ...figure, machine }) + '\n');

process.env.FEATURES_BENCH_OPTIONS = JSON.stringify({ users, count: events });
const jobModule = fileURLToPath(new URL('./features/feature-jobs.js', import.meta.url));
const { lookupJob } = (await import(jobModule)) as typeof import('./features/feature-jobs.js');

/** One GET on a keep-alive agent; resolves with the status once the body is read. */
function get(agent: Agent, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-lookup-'));
try {
  const runner = new JobRunner({ job: moduleJobRef(jobModule, 'lookupJob'), graph: lookupJob, stateDir, workers: 2, slots: 16 });
  const build = await measure(() => runner.run().then(() => undefined));
  report({ figure: 'build', events, users, seconds: build.seconds, eventsPerSecond: Math.round(events / build.seconds), peakRssMiB: build.peakRssMiB });

  const view = jobView(runner, stateDir);
  const ids = Array.from({ length: users }, (_, u) => `u${u}`).filter((id) => view.state.value('user-features', id, 'features') !== undefined);
  const server = await startQueryServer(buildQueryApp(view, routeContributions(lookupJob)), 0, '127.0.0.1');
  try {
    let draw = 0;
    const nextPath = () => `/features/users/${ids[((draw = (draw * 1_103_515_245 + 12_345) % 2 ** 31)) % ids.length]}`;

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const digest = new TDigest(0.01);
    let failures = 0;
    for (let i = 0; i < sequential; i++) {
      const url = new URL(nextPath(), server.url);
      const t0 = performance.now();
      const status = await get(agent, url);
      digest.push(performance.now() - t0);
      if (status !== 200) failures++;
    }
    agent.destroy();
    const [p50, p90, p99, p999] = digest.percentile([0.5, 0.9, 0.99, 0.999]).map((ms) => Math.round(ms * 1000) / 1000);
    report({ figure: 'sequential', usersWithFeatures: ids.length, requests: sequential, non200: failures, p50Ms: p50, p90Ms: p90, p99Ms: p99, p999Ms: p999 });

    const load = await autocannon({
      url: server.url,
      connections,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
    });
    report({
      figure: 'autocannon',
      connections,
      seconds: load.duration,
      requestsPerSecond: Math.round(load.requests.average),
      total: load.requests.total,
      non2xx: load.non2xx,
      errors: load.errors,
      latencyMs: { mean: load.latency.mean, p50: load.latency.p50, p90: load.latency.p90, p99: load.latency.p99, max: load.latency.max },
    });
  } finally {
    await server.close();
    await view.close?.();
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
