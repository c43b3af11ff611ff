/**
 * Feature lookups while the feature job runs at full speed: the user-feature job reads generated events as fast as
 * it can (unpaced) and serves GET /features/users/:id on loopback; a load client in its own process (autocannon,
 * open loop at a fixed overall rate) asks for ids drawn uniformly from the users that have features. Per offered
 * rate: achieved requests/s, latency percentiles (autocannon's, in whole ms), and the job's own events/s during the
 * same seconds; a first window with no load gives the job's unloaded rate. The endpoint runs either as `flywheel
 * run` serves it, on a thread of its own (`thread`), in a child process of its own (`process`, `http.isolation:
 * process`), or on the job's main thread (`main`), for comparison; `floor` is
 * the same client against a plain server answering a fixed body with no job running (floor-server.ts): what the
 * client and the machine cost by themselves. The client is autocannon (open loop) or wrk (`--client wrk`, paced, C).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_WORKER_NICENESS } from '../../src/graph/topology-schema.js';
import { buildQueryApp } from '../../src/query/app.js';
import { startQueryServer, type RunningServer } from '../../src/query/server.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { jobView } from '../../src/runtime/job-view.js';
import { startQueryEndpoint } from '../../src/runtime/query-host.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { startFloorServer } from '../floor-process.js';
import { wrkLoad } from '../wrk-load.js';
import { usersWithFeatures } from './users-with-features.js';

const run = promisify(execFile);

export interface ServingOptions {
  users: number;
  /** Generated events: enough that the job is still running when the last load ends. */
  events: number;
  rates: number[];
  seconds: number;
  connections: number;
  /**
   * Where the endpoint runs: `thread` (its own, as `flywheel run` does) or `main` (the job's main thread); `floor`:
   * a plain server with a fixed answer and no job.
   */
  servers: Array<'thread' | 'process' | 'main' | 'floor'>;
  /** Query string of every lookup (e.g. `?window=1h&fields=ctr,gmv`); empty for the whole record. */
  query: string;
  /** The load client: autocannon (open loop, Node) or wrk (paced, C; wrk-load.ts). */
  client: 'autocannon' | 'wrk';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function featureServingBench(o: ServingOptions, report: (figure: object) => void): Promise<void> {
  for (const server of o.servers) await (server === 'floor' ? floorRun(o, report) : servingRun(server, o, report));
}

/** One load client run at an offered rate against `url` (ids from `idsFile`); the client's JSON figures. */
async function load(url: string, pathPrefix: string, idsFile: string, rate: number, o: ServingOptions): Promise<Record<string, unknown>> {
  const plan = { url, pathPrefix, pathSuffix: o.query, idsFile, rate, seconds: o.seconds, connections: o.connections };
  if (o.client === 'wrk') {
    const ids = JSON.parse(readFileSync(idsFile, 'utf8')) as string[];
    return wrkLoad({ ...plan, ids, idsFile: `${idsFile}.lines`, method: 'GET', path: `${pathPrefix}{id}${o.query}` });
  }
  const { stdout } = await run(process.execPath, [fileURLToPath(new URL('./load-client.js', import.meta.url)), JSON.stringify(plan)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function floorRun(o: ServingOptions, report: (figure: object) => void): Promise<void> {
  const server = await startFloorServer();
  const dir = mkdtempSync(join(tmpdir(), 'fw-features-floor-'));
  try {
    const idsFile = join(dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(Array.from({ length: o.users }, (_, u) => `u${u}`)));
    for (const rate of o.rates)
      report({
        bench: 'features-serving',
        server: 'floor',
        connections: o.connections,
        seconds: o.seconds,
        query: o.query,
        ...(await load(server.url, '/features/users/', idsFile, rate, o)),
      });
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function servingRun(serverPlacement: 'thread' | 'process' | 'main', o: ServingOptions, report: (figure: object) => void): Promise<void> {
  process.env.FEATURES_BENCH_OPTIONS = JSON.stringify({ users: o.users, count: o.events });
  const jobModule = fileURLToPath(new URL('./feature-jobs.js', import.meta.url));
  const { lookupJob } = (await import(jobModule)) as typeof import('./feature-jobs.js');
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-serving-'));
  const controller = new AbortController();
  const job = moduleJobRef(jobModule, 'lookupJob');
  // Worker niceness as `flywheel run` sets it by default: processing yields to the endpoint when cores are busy.
  const runner = new JobRunner({ job, graph: lookupJob, stateDir, workers: 2, slots: 16, workerNiceness: DEFAULT_WORKER_NICENESS, signal: controller.signal });
  const running = runner.run();
  await runner.opened;
  const view = jobView(runner, stateDir);
  const server: RunningServer =
    serverPlacement === 'main'
      ? await startQueryServer(buildQueryApp(view, routeContributions(lookupJob)), 0, '127.0.0.1')
      : await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', serverPlacement);
  const read = () => runner.status(1, 0).recordsRead;
  try {
    const ids = await usersWithFeatures(view.state, o.users);
    const idsFile = join(stateDir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    const windows = [0, ...o.rates];
    for (const rate of windows) {
      const before = read();
      const t0 = performance.now();
      let figures: Record<string, unknown> = {};
      if (rate === 0) await sleep(o.seconds * 1000);
      else {
        figures = await load(server.url, '/features/users/', idsFile, rate, o);
      }
      const jobEventsPerSecond = Math.round(((read() - before) * 1000) / (performance.now() - t0));
      if (runner.status(1, 0).recordsRead >= o.events) throw new Error(`the job finished during the measurements: raise --events above ${o.events}`);
      report({
        bench: 'features-serving',
        server: serverPlacement,
        users: o.users,
        usersWithFeatures: ids.length,
        connections: o.connections,
        seconds: o.seconds,
        query: o.query,
        jobEventsPerSecond,
        ...(rate === 0 ? { offeredRate: 0 } : figures),
      });
    }
  } finally {
    controller.abort();
    await running;
    await server.close();
    await view.close?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
