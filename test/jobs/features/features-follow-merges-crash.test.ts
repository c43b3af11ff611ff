/**
 * User features that follow identity merges across kill -9: a run over generated persons who browse logged out
 * before a login merges their device into their account is killed at random moments, restarted on its state each
 * time, and run to the end. The merges, the identity and transfer steps' state, the retired ids and every id's final
 * lifetime features equal those of a run that was never interrupted.
 *
 * Not compared: the feature step's window buckets, its last snapshots and its change stream. The feature step
 * schedules no window refresh once the watermark is +infinity (docs/features.md), and whether it already was at a
 * given snapshot depends on how far the input had got when the job last restarted, so those can differ after a
 * restart with or without merges; what merges add (the content moved, the retirements, the totals) cannot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { killedRunMatchesCleanRun } from '../killed-topology-run.js';
import { deadLetterSink, featuresFollowingMerges, fileSink, generatedPersons, generatorAndParse, header, identitySteps } from '../topology-steps.js';

const persons = generatedPersons({ phoneShare: 0, cookieLifetime: 1_800_000, firstSessionLogin: false });
const generator = { seed: 17, users: 1500, items: 300, categories: 8, partitions: 2, count: 60_000, eventsPerSecondOfEventTime: 5, identity: persons };

const topology =
  header('features-follow-merges-crash') +
  generatorAndParse(generator, '{ field: ts }') +
  identitySteps('      maxPerType: { account: 1 }\n      output: userId\n') +
  featuresFollowingMerges('{ windows: [1h, 24h] }') +
  fileSink('user-changes', 'user-features') +
  fileSink('merges', 'identity.merges') +
  deadLetterSink;

/** [step, key group, key, kind, name, entry?] of a state entry's name as readStateDir writes it ('state:[...]'). */
const partsOf = (name: string): unknown[] | null => (name.startsWith('state:') ? (JSON.parse(name.slice('state:'.length)) as unknown[]) : null);

/** The entries merge-following decides, and every id's final totals: lifetime tallies, first and last seen. */
function comparable(state: Map<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [name, value] of state) {
    const parts = partsOf(name);
    if (parts === null) continue;
    if (parts[0] === 'identity' || parts[0] === 'user-transfers' || (parts[0] === 'user-features' && parts[4] === 'retired')) out.set(name, value);
    if (parts[0] === 'user-features' && parts[4] === 'features') {
      // A stored value is [value, expiry?] (src/state/lmdb-reader.ts).
      const record = (value as [FeatureRecord | undefined])[0];
      if (record?.features === undefined) throw new Error(`${name} holds no feature record: ${JSON.stringify(value).slice(0, 200)}`);
      const { windows, current } = record.features;
      out.set(name, { lifetime: windows.lifetime, firstSeen: current.firstSeen, lastSeen: current.lastSeen });
    }
  }
  return out;
}

test('kill -9 and restart: merges, moved content, retirements and every id’s totals equal an uninterrupted run', { timeout: 600_000 }, async (t) => {
  let compared = 0;
  const { kills, clean } = await killedRunMatchesCleanRun(topology, {
    sinks: ['merges'],
    seed: 29,
    prefix: 'fw-follow-crash-',
    checkState: (crashed, cleanState) => {
      const want = comparable(cleanState);
      compared = want.size;
      assert.deepEqual(comparable(crashed), want, 'merge-following state and totals equal the uninterrupted run');
    },
  });
  t.diagnostic(`${kills} kills; ${clean.get('merges')!.length} merges and ${compared} state entries as in the uninterrupted run`);
});
