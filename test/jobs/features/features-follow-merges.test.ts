/**
 * User features that follow the identity step's merges, on the real runtime (worker threads, LMDB), over generated
 * persons with several devices, cookies and an account: after the run, the features served for each person's
 * unified id equal the plain reference over every event of that person's identifiers, by the generator's truth
 * (counts, sums and rates exact; distinct counts within the sketch's bound; decayed rates up to rounding); the ids
 * a merge retired answer 404; and a second run from empty state emits the same changes, id for id and value for value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';
import { EcommerceTruth } from '../../../src/connectors/generator/ecommerce-truth.js';
import type { BehaviourEvent } from '../../../src/jobs/events/parse-event.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { runTopologyText, type FinishedRun } from '../topology-run.js';
import { deadLetterSink, featuresFollowingMerges, fileSink, generatedPersons, generatorAndParse, header, identitySteps } from '../topology-steps.js';
import { assertMatchesReference } from './reference-check.js';
import type { ReferenceWindow } from './reference-features.js';

const MINUTE = 60_000;
// Persons browse logged out under a device id until a login on it merges it into their account.
const loggedOutFirst = generatedPersons({ phoneShare: 0, cookieLifetime: 1_800_000, firstSessionLogin: false });
// 24,000 events over about 3.3 hours of event time, so the 1h window drops what the lifetime keeps; out of order
// by up to 2 s, inside the watermark's 5 s, so no event is late and every snapshot is exact.
const generator = {
  seed: 11,
  users: 400,
  items: 300,
  categories: 8,
  partitions: 2,
  count: 24_000,
  eventsPerSecondOfEventTime: 2,
  outOfOrderness: 2000,
  identity: loggedOutFirst,
};
const WINDOWS: Array<[string, ReferenceWindow | null]> = [
  ['1h', { bucket: MINUTE, buckets: 60 }],
  ['24h', { bucket: 24 * MINUTE, buckets: 60 }],
  ['lifetime', null],
];

const topology =
  header('features-follow-merges') +
  generatorAndParse(generator, '{ field: ts, maxOutOfOrderness: 5s }') +
  identitySteps('      maxPerType: { account: 1 }\n      output: userId\n') +
  fileSink('unified', 'identity') +
  featuresFollowingMerges('{ windows: [1h, 24h] }') +
  fileSink('user-changes', 'user-features') +
  fileSink('merges', 'identity.merges') +
  deadLetterSink;

type UnifiedEvent = BehaviourEvent & { accountId?: string; deviceId: string };

/**
 * Each person's events by the id the person is known by at the end, from the generator's truth: an account holder's
 * logged-in events and the events of every device of theirs seen logged in go to the account; a device never seen
 * logged in (or of a person without an account) keeps its own id.
 */
function eventsByFinalId(events: readonly UnifiedEvent[], truth: NonNullable<EcommerceTruth['identity']>): Map<string, UnifiedEvent[]> {
  const accountOfDevice = new Map<string, string>();
  for (const e of events) {
    if (e.accountId === undefined || e.deviceId.startsWith('ds')) continue;
    assert.equal(truth.personOf('device', e.deviceId), truth.personOf('account', e.accountId), `${e.deviceId} is logged in to its owner's account`);
    accountOfDevice.set(e.deviceId, e.accountId);
  }
  const result = new Map<string, UnifiedEvent[]>();
  for (const e of events) {
    const account = e.accountId ?? accountOfDevice.get(e.deviceId);
    const id = account !== undefined ? `account:${account}` : `device:${e.deviceId}`;
    result.set(id, [...(result.get(id) ?? []), e]);
  }
  return result;
}

async function served(run: FinishedRun, id: string): Promise<{ status: number; record: FeatureRecord }> {
  const res = await run.app.inject({ method: 'GET', url: `/features/users/${encodeURIComponent(id)}` });
  return { status: res.statusCode, record: res.json() as FeatureRecord };
}

test('user features follow merges: each unified id serves the reference over all its person’s events; retired ids 404; a replay emits the same changes', {
  timeout: 600_000,
}, async () => {
  const truth = new EcommerceTruth(resolveEcommerceOptions(generator)).identity!;
  const runs = [await runTopologyText(topology, 'fw-follow-merges-'), await runTopologyText(topology, 'fw-follow-merges-')];
  try {
    const [first, second] = runs as [FinishedRun, FinishedRun];
    const events = first.written('unified.jsonl').map((o) => o.value as UnifiedEvent);
    assert.equal(events.length, generator.count);
    const persons = eventsByFinalId(events, truth);
    const merges = first.written('merges.jsonl').map((o) => o.value as { type: string; from: string });
    const retired = new Set(merges.filter((m) => m.type === 'merge').map((m) => m.from));
    // Events the identity step gave an id that a later merge retired: what the features must carry over.
    const carried = events.filter((e) => retired.has(e.userId) && !persons.has(e.userId)).length;
    console.log(`final ids ${persons.size}, merges ${merges.length}, retired ids ${retired.size}, events first keyed by a retired id ${carried}`);
    assert.ok(carried >= 1000, `many events arrived under an id a merge retired: ${carried}`);
    assert.ok(retired.size >= 100, `the run merges enough ids to test: ${retired.size}`);

    for (const [id, mine] of persons) {
      const { status, record } = await served(first, id);
      assert.equal(status, 200, `${id} is served`);
      assert.equal(record.id, id);
      assertMatchesReference(record, mine, WINDOWS);
      assert.ok(
        mine.every((e) => e.ts < record.asOf),
        `${id}: the last snapshot covers every event of the person`,
      );
    }
    for (const id of retired) {
      if (persons.has(id)) continue;
      assert.equal((await served(first, id)).status, 404, `${id} was merged away: its features are deleted`);
    }

    const changes = (run: FinishedRun) => new Map(run.written('user-changes.jsonl').map((o) => [o.id, o.value]));
    const [a, b] = [changes(first), changes(second)];
    assert.equal(b.size, a.size, 'a second run emits as many changes');
    assert.deepEqual(b, a, 'a second run emits the same changes under the same ids');
  } finally {
    for (const run of runs) await run.dispose();
  }
});
