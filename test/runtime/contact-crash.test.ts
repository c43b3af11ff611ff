/**
 * Contact rules across crashes: a YAML job (actions file -> keyBy user -> contact step -> webhook) run by the CLI in a
 * child process is killed with SIGKILL three times, each time while the receiver holds a request it has not
 * answered, restarted on the same state directory, then run to its end; with slots on any thread and pinned. The receiver (a real HTTP service) must get
 * exactly the action ids of a run that was never interrupted (and of a plain reference of the rules), so no user is
 * messaged twice within a day and none more than three times in a week, however the kills fell; a request may come
 * again after a kill (at-least-once), but only under the same idempotency key with the same body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { webhookCrashRuns, type Receiver } from '../harness/webhook-crash-runs.js';
import { DAY, seededActions, writeContactJob, type Action } from '../harness/contact-job.js';
import { referenceVerdicts } from '../jobs/actions/reference-contact.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const actions = seededActions(5, 3_000, 100, 400_000);

function prepare(placement: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-contact-crash-'));
  writeContactJob(dir, {
    actions,
    sent: '{ type: webhook, url: "${HOOK_URL}/actions", concurrency: 10, backoff: { initial: 10ms, max: 100ms } }',
    runtime: `placement: ${placement}, batch: { maxRecords: 128 }`,
  });
  return dir;
}

/** Each suppressed action id once (a file sink may repeat an output after a kill) with its rule. */
function suppressedRules(dir: string): Map<string, string> {
  const outputs = readFileSync(join(dir, 'suppressed.jsonl'), 'utf8').trim().split('\n');
  return new Map(outputs.map((l) => JSON.parse(l) as { value: { action: Action; rule: string } }).map((o) => [o.value.action.actionId, o.value.rule]));
}

/** Users whose sends (distinct actions) break one a day or three a week. */
function rulesBroken(sent: readonly Action[]): string[] {
  const byUser = new Map<string, number[]>();
  for (const a of sent) byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.decidedAt]);
  return [...byUser]
    .filter(([, times]) => {
      const t = times.sort((a, b) => a - b);
      return t.some((x, i) => (i >= 1 && x - t[i - 1]! < DAY) || (i >= 3 && x - t[i - 3]! < 7 * DAY));
    })
    .map(([user]) => user);
}

// Any slot on any thread (state read from LMDB each batch), and pinned slots (state cached, committed every commitInterval).
for (const [seed, placement] of [
  [41, 'any'],
  [42, 'pinned'],
] as const) {
  test(`kill -9 while actions are being sent, restart: the same actions reach users as in an uninterrupted run, none inside the gap or over the cap (${placement} slots)`, {
    timeout: 600_000,
  }, async (t) => {
    // Killed once a start has sent between 60 and 180 requests, at a moment one of them is unanswered.
    const schedule = { kills: 3, min: 60, spread: 120, rand: mulberry32(seed) };
    await webhookCrashRuns(
      () => prepare(placement),
      (url) => ({ HOOK_URL: url }),
      schedule,
      ({ reference, target, clean, crashed, kills }) => {
        assert.equal(kills, 3, 'the job was killed three times before it could finish');

        const sentIds = (r: Receiver) => new Set([...r.bodies.values()].map((b) => (b[0] as Action).actionId));
        const expected = referenceVerdicts(actions);
        const expectedSent = new Set([...expected].filter(([, rule]) => rule === null).map(([id]) => id));
        assert.deepEqual(sentIds(reference), expectedSent, 'the uninterrupted run sends what the reference of the rules sends');
        assert.deepEqual(sentIds(target), sentIds(reference), 'the crashed run sends the same actions');
        assert.deepEqual(new Set(target.bodies.keys()), new Set(reference.bodies.keys()), 'under the same idempotency keys');
        const differing = [...target.bodies].filter(([key, bodies]) => bodies.some((b) => !isDeepStrictEqual(b, reference.bodies.get(key)![0])));
        assert.deepEqual(differing.slice(0, 3), [], 'every request of a key carries the body the uninterrupted run sent');

        const delivered = [...target.bodies.values()].map((b) => b[0] as Action);
        assert.deepEqual(rulesBroken(delivered), [], 'no user got two messages within a day or four within a week');
        assert.deepEqual(suppressedRules(crashed), suppressedRules(clean), 'the same actions are suppressed by the same rules');
        assert.equal(suppressedRules(crashed).size + delivered.length, actions.length, 'every action is sent or suppressed');
        const repeated = [...target.bodies.values()].filter((b) => b.length > 1).length;
        t.diagnostic(
          `${kills} kills, ${target.server.calls} requests for ${delivered.length} actions sent (${repeated} sent again after a kill), ${actions.length - delivered.length} suppressed`,
        );
      },
    );
  });
}
