/**
 * GET /features/users/:id beside a Redis-backed stand-in, side by side in one run, as a user choosing between them
 * would measure them. The user-feature job runs with its generator paced at `jobRate` events/s and its query
 * endpoint as `flywheel run` serves it (`isolation`: its own thread by default; one endpoint per count in
 * `processes`, those above 1 as that many processes sharing a port); once 90% of the users have
 * features, each user's answer is copied from the endpoint into Redis (redis-server without persistence, under
 * `features:user:<id>`), served by a fastify + ioredis service in a process of its own (redis-service.ts). Then, with
 * the job live and again once it has stopped (idle), for each offered rate and at saturation (wrk unpaced, with
 * `connections` and with each of `saturationConnections`), the same wrk load (wrk-load.ts, ids drawn uniformly)
 * against: each endpoint, the first endpoint's fastify route that decodes and renders per request (an empty query string
 * takes it: the path every lookup took before ready answers), the Redis service, and the floor (a fixed-body
 * node:http server, its own process).
 * Per run: achieved requests/s, latency percentiles (wrk, from the send), CPU per lookup in microseconds (the
 * endpoint: its own thread or processes, from its flywheel_query_endpoint_cpu_seconds_total; the Redis service: the
 * fastify process plus redis-server; the floor: its process), the job's events/s and the 1-minute load average.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { DEFAULT_WORKER_NICENESS } from '../../src/graph/topology-schema.js';
import type { QueryIsolation } from '../../src/graph/runtime-settings.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { jobView } from '../../src/runtime/job-view.js';
import { startQueryEndpoint } from '../../src/runtime/query-host.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { startFloorServer, startServerProcess } from '../floor-process.js';
import { processCpuSeconds } from '../thread-cpu.js';
import { wrkLoad } from '../wrk-load.js';
import { startRedisServer } from './redis-server.js';
import { usersWithFeatures } from './users-with-features.js';

export interface LookupVsRedisOptions {
  users: number;
  /** Events/s of the job's paced generator while live. */
  jobRate: number;
  rates: number[];
  seconds: number;
  connections: number;
  saturationConnections: number[];
  isolation: QueryIsolation;
  /** Endpoint process counts to measure side by side (more than one: process isolation, sharing a port). */
  processes: number[];
}

interface Contender {
  name: 'flywheel' | 'flywheel-decoding' | 'redis-fastify' | 'floor';
  /** The endpoint processes serving it (flywheel contenders). */
  processes?: number;
  url: string;
  /** wrk's path template. */
  path: string;
  cpuSeconds(): Promise<number>;
}

/** An offered rate no server here reaches: wrk-paced.lua then never waits (saturation). */
const SATURATION = 1_000_000;
const PATH = '/features/users/{id}';
/** An empty query string: the fastify route, which decodes and renders the record per request (the path before ready answers). */
const DECODING_PATH = `${PATH}?`;

/** The endpoint's own CPU seconds, from its /metrics. */
async function endpointCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^flywheel_query_endpoint_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!m) throw new Error('the endpoint reports no flywheel_query_endpoint_cpu_seconds_total (it needs Linux /proc/thread-self)');
  return Number(m[1]);
}

export async function lookupVsRedisBench(o: LookupVsRedisOptions, report: (figure: object) => void): Promise<void> {
  if (o.jobRate <= 0) throw new Error('--job-rate must be above 0: the live phase needs a paced job');
  // Events for an hour at the paced rate: the job never runs out during the measurements.
  process.env.FEATURES_BENCH_OPTIONS = JSON.stringify({ users: o.users, count: o.jobRate * 3600, rate: o.jobRate });
  const jobModule = fileURLToPath(new URL('./feature-jobs.js', import.meta.url));
  const { lookupJob } = (await import(jobModule)) as typeof import('./feature-jobs.js');
  const job = moduleJobRef(jobModule, 'lookupJob');
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-lookup-vs-redis-'));
  const controller = new AbortController();
  const runner = new JobRunner({ job, graph: lookupJob, stateDir, workers: 2, slots: 16, workerNiceness: DEFAULT_WORKER_NICENESS, signal: controller.signal });
  const running = runner.run();
  await runner.opened;
  const view = jobView(runner, stateDir);
  const endpoints = [];
  for (const processes of o.processes)
    endpoints.push({
      processes,
      server: await startQueryEndpoint(runner, job, stateDir, 0, '127.0.0.1', processes > 1 ? 'process' : o.isolation, undefined, undefined, processes),
    });
  const endpoint = endpoints[0]!.server;
  const redis = await startRedisServer();
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  const floor = await startFloorServer();
  let service: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  try {
    const ids = await usersWithFeatures(view.state, o.users, 2000);
    let storedBytes = 0;
    const load = client.pipeline();
    for (const id of ids) {
      const body = Buffer.from(await (await fetch(`${endpoint.url}/features/users/${id}`)).arrayBuffer());
      storedBytes += body.length;
      load.set(`features:user:${id}`, body);
    }
    await load.exec();
    service = await startServerProcess(new URL('./redis-service.js', import.meta.url), [String(redis.port)]);
    const contenders: Contender[] = [
      ...endpoints.map(
        ({ processes, server }): Contender => ({ name: 'flywheel', processes, url: server.url, path: PATH, cpuSeconds: () => endpointCpuSeconds(server.url) }),
      ),
      {
        name: 'flywheel-decoding',
        processes: endpoints[0]!.processes,
        url: endpoint.url,
        path: DECODING_PATH,
        cpuSeconds: () => endpointCpuSeconds(endpoint.url),
      },
      { name: 'redis-fastify', url: service.url, path: PATH, cpuSeconds: async () => processCpuSeconds(service!.pid) + processCpuSeconds(redis.pid) },
      { name: 'floor', url: floor.url, path: PATH, cpuSeconds: async () => processCpuSeconds(floor.pid) },
    ];
    const idsFile = join(stateDir, 'ids.lines');
    const read = () => runner.status(1, 0).recordsRead;

    const measure = async (phase: 'live' | 'idle', contender: Contender, rate: number, connections: number) => {
      const [cpuBefore, readBefore, t0] = [await contender.cpuSeconds(), read(), performance.now()];
      const figures = await wrkLoad({ url: contender.url, ids, idsFile, rate, seconds: o.seconds, connections, method: 'GET', path: contender.path });
      const cpu = (await contender.cpuSeconds()) - cpuBefore;
      const jobEventsPerSecond = Math.round(((read() - readBefore) * 1000) / (performance.now() - t0));
      report({
        bench: 'lookup-vs-redis',
        phase,
        server: contender.name,
        ...(contender.processes !== undefined ? { isolation: contender.processes > 1 ? 'process' : o.isolation, processes: contender.processes } : {}),
        users: o.users,
        usersServed: ids.length,
        meanAnswerBytes: Math.round(storedBytes / ids.length),
        connections,
        seconds: o.seconds,
        ...figures,
        ...(rate === SATURATION ? { offeredRate: 'saturation' } : {}),
        cpuMicrosPerLookup: Math.round(((cpu * 1e6) / (figures.total as number)) * 10) / 10,
        serverCores: Math.round((cpu / o.seconds) * 100) / 100,
        jobEventsPerSecond,
        loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
      });
    };
    const phase = async (name: 'live' | 'idle') => {
      for (const rate of o.rates) for (const contender of contenders) await measure(name, contender, rate, o.connections);
      for (const connections of [o.connections, ...o.saturationConnections])
        for (const contender of contenders) await measure(name, contender, SATURATION, connections);
    };
    await phase('live');
    controller.abort();
    await running;
    await phase('idle');
  } finally {
    controller.abort();
    await running;
    service?.close();
    floor.close();
    client.disconnect();
    await redis.close();
    for (const { server } of endpoints) await server.close();
    await view.close?.();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
