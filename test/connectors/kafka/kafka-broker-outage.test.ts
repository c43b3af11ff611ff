/**
 * Broker outages against the dev broker in its own process, killed with SIGKILL. The job reaches the broker through
 * a stable address (stable-address.ts), because a restarted mock broker listens on a new port.
 * - Start-up while no broker is reachable: the job touches no state, /readyz answers 503 with the reason and the
 *   retry schedule, the status line says NOT READY, and once a broker appears it becomes ready and applies the topic.
 * - Broker killed mid-run: /readyz turns 503 with the reason, LMDB keeps exactly the records it applied (compared
 *   with a reference over the records up to the offsets LMDB holds), and when an empty broker comes back the job
 *   stops with FW_ERR_SOURCE naming topic, partition and stored offset, leaving state as it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { launchJob } from '../../../src/runtime/launch.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { startQueryServer } from '../../../src/query/server.js';
import { FlywheelError } from '../../../src/core/errors.js';
import type { JobGraph } from '../../../src/graph/model.js';
import type { TestEvent, Totals } from '../../runtime/fixtures/jobs.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import { StableAddress } from './stable-address.js';
import { produceEvents, type Placed } from './produce-events.js';
import { appliedOffsets, readyz, runningTotals, waitFor } from './job-observer.js';

const fixture = fileURLToPath(new URL('./fixtures/outage-jobs.js', import.meta.url));
const TOPIC = 'events';
let address: StableAddress;
let counting: JobGraph;
const brokers: SpawnedBroker[] = [];
const dirs: string[] = [];

before(async () => {
  address = await new StableAddress().listen();
  process.env.FW_OUTAGE_SOURCE_BROKERS = address.bootstrap;
  process.env.FW_OUTAGE_IN = TOPIC;
  process.env.FW_SLOW_MICROS = '100';
  ({ counting } = (await import('./fixtures/outage-jobs.js')) as { counting: JobGraph });
});

after(async () => {
  for (const b of brokers) b.process.kill('SIGKILL');
  await address.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startBroker(): Promise<SpawnedBroker> {
  const broker = await spawnDevBroker({ topics: [TOPIC] });
  brokers.push(broker);
  return broker;
}

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-outage-'));
  dirs.push(dir);
  return dir;
}

function events(seed: number, count: number): TestEvent[] {
  return makeEvents({ seed, count, users: 200, partitions: 1, skewed: true, disorder: 0 })[0]!.map((r) => r.value as TestEvent);
}

/** Per user count and sum over the given events: what state must hold after applying exactly them. */
function reference(placed: Iterable<Placed<TestEvent>>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const { value } of placed) {
    const t = out.get(value.user) ?? { count: 0, sum: 0 };
    out.set(value.user, { count: t.count + 1, sum: t.sum + value.amount });
  }
  return out;
}

const total = (m: Map<string, Totals>) => [...m.values()].reduce((n, t) => n + t.count, 0);

test('started while the broker is unreachable: not ready with the reason, state untouched, retries, ready when a broker appears', {
  timeout: 60_000,
}, async () => {
  address.pointAt(null);
  const dir = stateDir();
  const lines: string[] = [];
  let url = '';
  let runner: JobRunner | null = null;
  const launched = launchJob({
    job: moduleJobRef(fixture, 'counting'),
    graph: counting,
    stateDir: dir,
    workers: 1,
    slots: 4,
    placement: 'any',
    workerNiceness: 0,
    batch: { maxRecords: 1024, maxDelay: 5 },
    statusInterval: 100,
    stopTimeout: 10_000,
    baseDir: process.cwd(),
    http: { port: 0, host: '127.0.0.1' },
    log: (line) => lines.push(line),
    logFormat: 'json',
    onListening: (info) => (url = info.url!),
    onStarted: (info) => (runner = info.runner),
  });
  await waitFor('the query endpoint', () => url || undefined);
  const waiting = await waitFor('a second failed attempt on /readyz', async () => {
    const r = await readyz(url);
    return r.reasons.some((reason) => /attempt 2 failed/.test(reason)) ? r : undefined;
  });
  assert.equal(waiting.status, 503);
  assert.match(waiting.reasons.join('\n'), /^source events: cannot reach Kafka at 127\.0\.0\.1:\d+: .*; attempt 2 failed, retrying in 1 s$/m);
  const logged = lines.map((l) => JSON.parse(l) as { event?: string; step?: string; code?: string; attempt?: number; msg: string; notReady?: string[] });
  assert.ok(
    logged.some(
      (e) =>
        e.event === 'status' &&
        e.msg.includes('NOT READY: source events: cannot reach Kafka') &&
        e.notReady!.some((r) => r.startsWith('source events: cannot reach Kafka')),
    ),
    'the status says why the job is not ready',
  );
  const retries = logged.filter((e) => e.event === 'retry');
  assert.deepEqual(
    retries.slice(0, 2).map((e) => [e.step, e.code, e.attempt]),
    [
      ['events', 'FW_ERR_BROKER_UNAVAILABLE', 1],
      ['events', 'FW_ERR_BROKER_UNAVAILABLE', 2],
    ],
    'each retry is logged with its step and code',
  );
  assert.equal(runningTotals(dir, 'running').size, 0, 'no keyed state written');
  assert.equal(appliedOffsets(dir).size, 0, 'no source offset recorded');

  const broker = await startBroker();
  const placed = await produceEvents(broker.bootstrap, TOPIC, events(41, 3_000));
  address.pointAt(broker.bootstrap);
  await waitFor('/readyz 200', async () => ((await readyz(url)).status === 200 ? true : undefined));
  await waitFor('every record applied', () => total(runningTotals(dir, 'running')) === placed.length || undefined);
  assert.deepEqual(runningTotals(dir, 'running'), reference(placed));
  (runner as JobRunner | null)!.stop();
  await launched;
  broker.process.kill('SIGKILL');
});

test('broker killed mid-run: 503 with the reason, state holds exactly what was applied; an empty broker coming back stops the job with FW_ERR_SOURCE', {
  timeout: 60_000,
}, async () => {
  const broker = await startBroker();
  address.pointAt(broker.bootstrap);
  const placed = await produceEvents(broker.bootstrap, TOPIC, events(42, 30_000));
  const dir = stateDir();
  const runner = new JobRunner({
    job: moduleJobRef(fixture, 'counting'),
    graph: counting,
    stateDir: dir,
    workers: 1,
    slots: 4,
    maxQueued: 1_000,
    frontierInterval: 50,
  });
  const view = jobView(runner, dir);
  const server = await startQueryServer(buildQueryApp(view), 0);
  const running = runner.run();
  try {
    await waitFor('a tenth of the records applied', () => total(runningTotals(dir, 'running')) >= placed.length / 10 || undefined);
    broker.process.kill('SIGKILL');
    address.pointAt(null);
    const down = await waitFor('/readyz 503', async () => {
      const r = await readyz(server.url);
      return r.status === 503 ? r : undefined;
    });
    assert.match(down.reasons.join('\n'), /^source events: cannot reach Kafka at 127\.0\.0\.1:\d+/m);

    // What was fetched before the kill is applied; then every holder's offset stops moving at the same place.
    const frontier = await waitFor('applied offsets to settle', async () => {
      const before = appliedOffsets(dir);
      await new Promise((r) => setTimeout(r, 300));
      const now = appliedOffsets(dir);
      const settled = runner.status(1, 0).queued === 0 && [...now].every(([pid, list]) => new Set(list).size === 1 && before.get(pid)?.[0] === list[0]);
      return settled && now.size > 0 ? new Map([...now].map(([pid, list]) => [Number(pid.split(':')[1]), list[0]!])) : undefined;
    });
    // A partition not read before the kill has no stored offset: nothing of it was applied.
    const applied = placed.filter((p) => p.offset <= (frontier.get(p.partition) ?? -1));
    assert.ok(applied.length < placed.length, `the kill landed mid-run (${applied.length} of ${placed.length} applied)`);
    const state = runningTotals(dir, 'running');
    assert.deepEqual(state, reference(applied), 'state holds each record up to the stored offsets exactly once, and nothing else');

    const empty = await startBroker();
    address.pointAt(empty.bootstrap);
    await assert.rejects(running, (err: unknown) => {
      assert.ok(err instanceof FlywheelError);
      assert.equal(err.code, 'FW_ERR_SOURCE');
      const { partition, offset, topic, stepId } = err.place;
      assert.equal(topic, TOPIC);
      assert.equal(stepId, 'events');
      assert.equal(offset, frontier.get(partition!)! + 1, 'names the stored offset of that partition');
      assert.match(
        err.message,
        new RegExp(`stored offset ${offset} of topic ${TOPIC} partition ${partition} is out of range .* the log holds offsets 0 to -1`),
      );
      assert.match(err.message, /hint: restore the topic's data .* new state directory/);
      return true;
    });
    assert.deepEqual(runningTotals(dir, 'running'), state, 'state is as it was before the broker came back');
    empty.process.kill('SIGKILL');
  } finally {
    runner.stop();
    await running.catch(() => undefined);
    await server.close();
    await view.close?.();
  }
});
