/**
 * Serving latency while the model trains, side by side in one run. The flywheel topology (topologies/flywheel.yaml)
 * runs with its generator paced at `--rate` events/s and its query endpoint on its own thread; once the click model
 * has published `--warmup` examples:
 *   1. POST /score at `--score-rate` req/s for `--seconds` s from a separate client process (autocannon), against the
 *      Flywheel endpoint, then against a plain node:http scorer over in-memory copies of the same version's weights,
 *      profiles and catalogue (plain-scorer.ts, on the job's main thread), and against the floor (a plain server
 *      answering a fixed body from a process of its own, bench/floor-process.ts), with the job still training;
 *   2. GET /recommendations/:userId?k=10 one request at a time on a keep-alive connection (`--recommendations` of
 *      them, client-side wall time), and the plain ranking of the same candidate lists in-process.
 * Then the recommendations and POST /score (Flywheel and the floor) again with the job stopped: what the endpoint
 * and the machine cost by themselves. Also reported: examples learned and versions published during the
 * measurement, and the published version's lag.
 * The job's worker threads run at the topology's `runtime.workerNiceness` (10 by default, as `flywheel run` runs
 * them: training yields the cores to the query thread when both want them); `--worker-niceness N` overrides it.
 * `--isolation process` runs the endpoint in a child process instead of a thread (`runtime.http.isolation`).
 * `--client wrk` loads POST /score with wrk (bench/wrk-load.ts: paced, C, 20 connections) instead of autocannon.
 * `--live` makes event time follow the wall clock (the topology's default runs it 10 times faster).
 *   node dist/bench/model/serving.js [--rate 2000] [--score-rate 5000] [--seconds 20] [--warmup 50000] [--recommendations 2000] [--worker-niceness N] [--client autocannon|wrk] [--isolation thread|process] [--live]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TDigest } from 'tdigest';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import type { FeatureRecord } from '../../src/jobs/features/entity-state.js';
import type { ModelReport } from '../../src/jobs/model/model-routes.js';
import { MODEL_STATE, type ItemEntry, type PublishedModel } from '../../src/jobs/model/model-state.js';
import { profileOf, type UserProfile } from '../../src/jobs/model/user-profile.js';
import { scoringWeights } from '../../src/jobs/model/model-versions.js';
import { candidatesFor } from '../../src/jobs/scoring/candidates.js';
import { resolveScoringOptions } from '../../src/jobs/scoring/scoring-options.js';
import { jobView } from '../../src/runtime/job-view.js';
import type { QueryIsolation } from '../../src/graph/runtime-settings.js';
import { startQueryEndpoint } from '../../src/runtime/query-host.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { median } from '../measure.js';
import { startFloorServer } from '../floor-process.js';
import { wrkLoad } from '../wrk-load.js';
import { plainRecommend, startPlainScorer, type PlainInputs } from './plain-scorer.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    'score-rate': { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '50000' },
    recommendations: { type: 'string', default: '2000' },
    'worker-niceness': { type: 'string' },
    client: { type: 'string', default: 'autocannon' },
    isolation: { type: 'string', default: 'thread' },
    live: { type: 'boolean', default: false },
  },
});
const [rate, scoreRate, seconds, warmup, recommendations] = [args.rate, args['score-rate'], args.seconds, args.warmup, args.recommendations].map(Number) as [
  number,
  number,
  number,
  number,
  number,
];
const resultsFile = fileURLToPath(new URL('../../../bench/results.jsonl', import.meta.url));
const command = `node dist/bench/model/serving.js ${process.argv.slice(2).join(' ')}`;
const at = new Date().toISOString();
/** One JSON line per figure, on stdout and in bench/results.jsonl (as bench/run.ts records its benchmarks). */
const report = (figure: object) => {
  const line = JSON.stringify({
    bench: 'model-serving',
    ...figure,
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
    command,
    at,
  });
  process.stdout.write(line + '\n');
  appendFileSync(resultsFile, line + '\n');
};
const round = (ms: number) => Math.round(ms * 1000) / 1000;

process.env.FLYWHEEL_COUNT = '100000000';
process.env.FLYWHEEL_RATE = String(rate);
// --live: event time follows the wall clock (else the topology's default runs it 10x faster, see flywheel.yaml).
if (args.live) process.env.FLYWHEEL_EVENT_TIME_RATE = String(rate);
const file = resolve('topologies/flywheel.yaml');
const stateDir = mkdtempSync(join(tmpdir(), 'fw-model-serving-'));
const topology = await loadTopology(file, { stateDir });
const world = { users: 20_000, items: 5_000 };
const workerNiceness = args['worker-niceness'] === undefined ? topology.runtime.workerNiceness : Number(args['worker-niceness']);

function get(agent: Agent, url: URL): Promise<string> {
  return new Promise((done, fail) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => done(body));
    });
    req.on('error', fail);
    req.end();
  });
}

type LoadFigures = { latency: Record<string, number>; requests: { average: number; total: number }; non2xx: number; errors: number };

/** wrk's figures in the shape autocannon reports. */
async function wrkScoreLoad(url: string): Promise<LoadFigures> {
  const ids = Array.from({ length: world.users }, (_, u) => `u${u}`);
  const r = (await wrkLoad({
    url,
    ids,
    idsFile: join(stateDir, 'wrk-users.txt'),
    rate: scoreRate,
    seconds,
    connections: 20,
    method: 'POST',
    path: '/score',
    body: '{"userId":"{id}","itemId":"i{n}"}',
    n: world.items,
  })) as {
    requestsPerSecond: number;
    total: number;
    non2xx: number;
    errors: number;
    latencyMs: Record<string, number>;
  };
  return { latency: r.latencyMs, requests: { average: r.requestsPerSecond, total: r.total }, non2xx: r.non2xx, errors: r.errors };
}

function load(url: string): Promise<LoadFigures> {
  if (args.client === 'wrk') return wrkScoreLoad(url);
  const client = fileURLToPath(new URL('./load-client.js', import.meta.url));
  const child = spawn(process.execPath, [client, url, String(scoreRate), String(seconds), '50', String(world.users), String(world.items)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  return new Promise((done) => child.on('exit', () => done(JSON.parse(out))));
}

const runner = new JobRunner({
  job: { kind: 'topology', file },
  graph: topology.graph,
  stateDir,
  workers: topology.runtime.workers,
  slots: topology.runtime.slots,
  placement: topology.runtime.placement,
  batch: topology.runtime.batch,
  baseDir: dirname(file),
  workerNiceness,
});
const running = runner.run();
try {
  await runner.opened;
  const view = jobView(runner, stateDir);
  // The endpoint on its own thread, as `flywheel run` serves it.
  const server = await startQueryEndpoint(runner, { kind: 'topology', file }, stateDir, 0, '127.0.0.1', args.isolation as QueryIsolation);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const click = async () => (JSON.parse(await get(agent, new URL('/models?model=click', server.url))) as { models: ModelReport[] }).models[0]!;
  // Publication delay, sampled once a second while warming up: examples learned but not yet in the published
  // version, and the wall-clock age of that version.
  const unpublished: number[] = [];
  const ages: number[] = [];
  for (let m = await click(); (m.published?.examples ?? 0) < warmup; m = await click()) {
    if (m.published) {
      unpublished.push(m.unpublishedExamples);
      ages.push(Date.now() - m.published.publishedAt);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  report({
    figure: 'publication delay while training',
    samples: ages.length,
    unpublishedExamples: { median: median(unpublished), max: Math.max(...unpublished) },
    versionAgeMs: { median: median(ages), max: Math.max(...ages) },
  });

  const before = await click();
  const flywheel = await load(server.url);
  const after = await click();
  // The same load against a plain server answering a fixed body from a process of its own, beside the training job.
  const floor = await startFloorServer();
  const floorTraining = await load(floor.url);

  // What a scorer does when it sees a new version: read the published weights from LMDB and build its table.
  const loadStart = performance.now();
  const published = view.state.value<PublishedModel>('model', 'click', MODEL_STATE.published)!;
  const loaded = scoringWeights(published);
  report({ figure: 'loading a published version', nonzeroWeights: loaded.table.size, loadMs: round(performance.now() - loadStart) });
  const inputs: PlainInputs = {
    weights: new Map(published.coords.map((c, i) => [c, published.weights[i]!])),
    hashing: published.hashing,
    profiles: new Map(),
    items: new Map(),
  };
  for (let u = 0; u < world.users; u++) {
    const record = view.state.value<FeatureRecord>('user-features', `u${u}`, 'features');
    if (record) inputs.profiles.set(`u${u}`, profileOf(record) satisfies UserProfile);
  }
  for (let i = 0; i < world.items; i++) {
    const entry = view.state.mapEntry<ItemEntry>('model', 'click', MODEL_STATE.items, `i${i}`);
    if (entry) inputs.items.set(`i${i}`, { itemId: `i${i}`, category: entry[0], price: entry[1] });
  }
  const plainServer = await startPlainScorer(inputs);
  const plain = await load(plainServer.url);
  plainServer.server.close();
  const figure = (r: typeof flywheel) => ({
    requestsPerSecond: Math.round(r.requests.average),
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  });
  report({
    figure: 'POST /score at a fixed rate while training',
    targetRate: scoreRate,
    seconds,
    eventsPerSecond: rate,
    workerNiceness,
    client: args.client,
    isolation: args.isolation,
    eventTime: args.live ? 'wall clock' : 'topology default',
    flywheel: figure(flywheel),
    plain: figure(plain),
    floor: figure(floorTraining),
    p99FlywheelOverPlain: round(flywheel.latency.p99! / Math.max(plain.latency.p99!, 1)),
    examplesLearnedDuring: after.examples - before.examples,
    versionsPublishedDuring: (after.published?.version ?? 0) - (before.published?.version ?? 0),
    unpublishedExamplesAtEnd: after.unpublishedExamples,
  });

  const scoring = resolveScoringOptions({ popularCandidates: 500, maxCandidates: 500 });
  /** `recommendations` requests one at a time, and the plain ranking of the same candidate lists in process. */
  const measureRecommendations = async (phase: string) => {
    const flywheelDigest = new TDigest(0.01);
    const plainDigest = new TDigest(0.01);
    let candidates = 0;
    for (let r = 0; r < recommendations; r++) {
      const userId = `u${(r * 7919) % world.users}`;
      const t0 = performance.now();
      const body = JSON.parse(await get(agent, new URL(`/recommendations/${userId}?k=10`, server.url))) as { candidates: number };
      flywheelDigest.push(performance.now() - t0);
      candidates += body.candidates;
      const recent = view.state.value<{ recentItems: string[] }>('labels', userId, 'user')?.recentItems ?? [];
      const list = [
        ...candidatesFor(view.state, scoring, recent, view.state.value<Array<[string, number]>>('model', 'click', MODEL_STATE.popular) ?? []).keys(),
      ];
      const t1 = performance.now();
      plainRecommend(inputs, userId, list, 10);
      plainDigest.push(performance.now() - t1);
    }
    const pct = (d: TDigest) => d.percentile([0.5, 0.9, 0.99]).map(round);
    const [fp50, fp90, fp99] = pct(flywheelDigest);
    const [pp50, pp90, pp99] = pct(plainDigest);
    report({
      figure: `GET /recommendations k=10, one at a time, ${phase}`,
      requests: recommendations,
      meanCandidates: Math.round(candidates / recommendations),
      flywheelMs: { p50: fp50, p90: fp90, p99: fp99 },
      plainRankingMs: { p50: pp50, p90: pp90, p99: pp99 },
      p99FlywheelOverPlain: round(fp99! / pp99!),
    });
  };
  await measureRecommendations('while training');
  // The same with the job stopped: what the endpoint costs by itself (it keeps serving from its own LMDB handle).
  runner.stop();
  await running;
  await measureRecommendations('with the job stopped');
  const alone = await load(server.url);
  const floorAlone = await load(floor.url);
  floor.close();
  report({
    figure: 'POST /score at a fixed rate with the job stopped',
    targetRate: scoreRate,
    seconds,
    client: args.client,
    isolation: args.isolation,
    flywheel: figure(alone),
    floor: figure(floorAlone),
  });
  agent.destroy();
  await server.close();
  await view.close?.();
} finally {
  runner.stop();
  await running;
  rmSync(stateDir, { recursive: true, force: true });
}
