/**
 * The identity step across kill -9: a run over generated persons is killed at random moments, restarted on its state
 * each time, and run to the end. Every event's unified id, every merge and the final state equal those of a run that
 * was never interrupted (deliveries may repeat: at-least-once, with the same payload); with expireAfter too, so
 * that the expiries and the state of last-seen times are the same.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries } from '../../harness/output-payloads.js';
import { deadLetterSink, fileSink, generatorAndParse, header, identitySteps } from '../topology-steps.js';

const entry = fileURLToPath(new URL('./fixtures/run-topology.js', import.meta.url));
const generator = {
  seed: 13,
  users: 3000,
  items: 300,
  categories: 10,
  partitions: 2,
  count: 80_000,
  eventsPerSecondOfEventTime: 20,
  identity: {
    accountShare: 0.75,
    maxDevices: 3,
    loginShare: 0.3,
    phoneShare: 0.5,
    householdSize: 3,
    sharedDeviceShare: 0.3,
    sharedSessionShare: 0.15,
    cookieLifetime: 600_000,
  },
};
const crashTopology = (limits: string) =>
  header('identity-crash') +
  generatorAndParse(generator, '{ field: ts }') +
  identitySteps(`      maxComponentSize: 60\n      maxPerType: { account: 1 }\n${limits}`) +
  fileSink('unified', null) +
  fileSink('merges', 'identity.merges') +
  deadLetterSink;

function prepare(topology: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-identity-crash-'));
  writeFileSync(join(dir, 'topology.yaml'), topology);
  return dir;
}

const run = (dir: string, killAfterMs: number | null) => runJobProcess(entry, [join(dir, 'topology.yaml')], {}, killAfterMs);
const deliveries = (dir: string, sink: string) => (existsSync(join(dir, `${sink}.jsonl`)) ? fileSinkDeliveries(join(dir, `${sink}.jsonl`)) : []);

/** With `expiring`, the clean run must also have forgotten identifiers, so the comparison covers expiries. */
async function killedRunMatchesCleanRun(t: TestContext, topology: string, expiring = false): Promise<void> {
  const clean = prepare(topology);
  const crashed = prepare(topology);
  try {
    const cleanMs = await timedRun((ms) => run(clean, ms));
    const startOver = () => {
      for (const f of ['state', 'unified.jsonl', 'merges.jsonl', 'dlq.jsonl']) rmSync(join(crashed, f), { recursive: true, force: true });
    };
    const kills = await killWhileRunning(
      (ms) => run(crashed, ms),
      () => deliveries(crashed, 'unified').length,
      23,
      cleanMs,
      startOver,
    );
    assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
    assert.deepEqual(readStateDir(join(crashed, 'state')), readStateDir(join(clean, 'state')), 'final state equals the uninterrupted run');
    for (const sink of ['unified', 'merges']) {
      const want = deliveries(clean, sink);
      const got = deliveries(crashed, sink);
      assert.ok(want.length > 0, `${sink}: the clean run wrote records`);
      assert.deepEqual(new Set(got.map((d) => d.id)), new Set(want.map((d) => d.id)), `${sink}: the same ids`);
      assertSamePayloads(want, got, sink);
    }
    const expiries = deliveries(clean, 'merges').filter((d) => JSON.stringify(d.payload).includes('"type":"expire"')).length;
    if (expiring) assert.ok(expiries > 0, 'the clean run forgot identifiers');
    t.diagnostic(
      `${kills} kills; ${deliveries(clean, 'unified').length} events and ${deliveries(clean, 'merges').length} merges (${expiries} of them expiries), each with the uninterrupted run's unified id`,
    );
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
}

test('kill -9 and restart: every event keeps its unified id, merges and state equal an uninterrupted run', { timeout: 600_000 }, (t) =>
  killedRunMatchesCleanRun(t, crashTopology('')),
);

test('kill -9 and restart with expireAfter: the same ids, merges, expiries and state as an uninterrupted run', { timeout: 600_000 }, (t) =>
  killedRunMatchesCleanRun(t, crashTopology('      expireAfter: 5m\n'), true),
);
