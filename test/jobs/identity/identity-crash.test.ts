/**
 * The identity step across kill -9: a run over generated persons is killed at random moments, restarted on its state
 * each time, and run to the end. Every event's unified id, every merge and the final state equal those of a run that
 * was never interrupted (deliveries may repeat: at-least-once, with the same payload); with expireAfter too, so
 * that the expiries and the state of last-seen times are the same.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { killedRunMatchesCleanRun } from '../killed-topology-run.js';
import { deadLetterSink, fileSink, generatorAndParse, header, identitySteps } from '../topology-steps.js';

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

/** With `expiring`, the clean run must also have forgotten identifiers, so the comparison covers expiries. */
async function killedIdentityRun(t: TestContext, topology: string, expiring = false): Promise<void> {
  const { kills, clean } = await killedRunMatchesCleanRun(topology, { sinks: ['unified', 'merges'], seed: 23, prefix: 'fw-identity-crash-' });
  const expiries = clean.get('merges')!.filter((d) => JSON.stringify(d.payload).includes('"type":"expire"')).length;
  if (expiring) assert.ok(expiries > 0, 'the clean run forgot identifiers');
  t.diagnostic(
    `${kills} kills; ${clean.get('unified')!.length} events and ${clean.get('merges')!.length} merges (${expiries} of them expiries), each with the uninterrupted run's unified id`,
  );
}

test('kill -9 and restart: every event keeps its unified id, merges and state equal an uninterrupted run', { timeout: 600_000 }, (t) =>
  killedIdentityRun(t, crashTopology('')),
);

test('kill -9 and restart with expireAfter: the same ids, merges, expiries and state as an uninterrupted run', { timeout: 600_000 }, (t) =>
  killedIdentityRun(t, crashTopology('      expireAfter: 5m\n'), true),
);
