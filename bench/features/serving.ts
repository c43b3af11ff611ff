/**
 * Feature lookups while the feature job runs at full speed: the user-feature job reads generated events as fast as
 * it can (unpaced) and serves GET /features/users/:id on loopback; a load client in its own process (autocannon,
 * open loop at a fixed overall rate) asks for ids drawn uniformly from the users that have features. Per offered
 * rate: achieved requests/s, latency percentiles (autocannon's, in whole ms), and the job's own events/s during the
 * same seconds; a first window with no load gives the job's unloaded rate. The endpoint runs either as `flywheel
 * run` serves it, on a thread of its own (`thread`), or on the job's main thread (`main`), for comparison.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_WORKER_NICENESS } from '../../src/graph/topology-schema.js';
import { buildQueryApp } from '../../src/query/app.js';
import { startQueryServer, type RunningServer } from '../../src/query/server.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { jobView } from '../../src/runtime/job-view.js';
import { startQueryThread } from '../../src/runtime/query-host.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { JobRunner } from '../../src/runtime/runner.js';

const run = promisify(execFile);

export interface ServingOptions {
  users: number;
  /** Generated events: enough that the job is still running when the last load ends. */
  events: number;
  rates: number[];
  seconds: number;
  connections: number;
  /** Where the endpoint runs: `thread` (its own, as `flywheel run` does) or `main` (the job's main thread). */
  servers: Array<'thread' | 'main'>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function featureServingBench(o: ServingOptions, report: (figure: object) => void): Promise<void> {
  for (const server of o.servers) await servingRun(server, o, report);
}

async function servingRun(serverPlacement: 'thread' | 'main', o: ServingOptions, report: (figure: object) => void): Promise<void> {
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
    serverPlacement === 'thread' ? await startQueryThread(runner, job, stateDir, 0, '127.0.0.1') : await startQueryServer(buildQueryApp(view, routeContributions(lookupJob)), 0, '127.0.0.1');
  const read = () => runner.status(1, 0).recordsRead;
  try {
    const all = Array.from({ length: o.users }, (_, u) => `u${u}`);
    let ids: string[] = [];
    while (ids.length < 0.9 * o.users) {
      await sleep(1000);
      ids = all.filter((id) => view.state.value('user-features', id, 'features') !== undefined);
    }
    const idsFile = join(stateDir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    const windows = [0, ...o.rates];
    for (const rate of windows) {
      const before = read();
      const t0 = performance.now();
      let load: Record<string, unknown> = {};
      if (rate === 0) await sleep(o.seconds * 1000);
      else {
        const plan = { url: server.url, pathPrefix: '/features/users/', idsFile, rate, seconds: o.seconds, connections: o.connections };
        const { stdout } = await run(process.execPath, [fileURLToPath(new URL('./load-client.js', import.meta.url)), JSON.stringify(plan)], { maxBuffer: 1 << 20 });
        load = JSON.parse(stdout) as Record<string, unknown>;
      }
      const jobEventsPerSecond = Math.round(((read() - before) * 1000) / (performance.now() - t0));
      if (runner.status(1, 0).recordsRead >= o.events) throw new Error(`the job finished during the measurements: raise --events above ${o.events}`);
      report({ bench: 'features-serving', server: serverPlacement, users: o.users, usersWithFeatures: ids.length, connections: o.connections, seconds: o.seconds, jobEventsPerSecond, ...(rate === 0 ? { offeredRate: 0 } : load) });
    }
  } finally {
    controller.abort();
    await running;
    await server.close();
    await view.close?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
