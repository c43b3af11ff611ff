/**
 * Crash while webhook requests are in flight: a YAML job (file -> keyBy -> running total -> webhook) run by the CLI
 * in a child process is killed with SIGKILL three times, each time while the receiver holds a request it has not
 * answered, restarted on the same state directory, then run to its end. The receiver (a real HTTP service) must see
 * exactly the output ids of a run that was never interrupted, each under its Idempotency-Key; an id may come again
 * (at-least-once: an output is acknowledged only after its 2xx), but only with the body the uninterrupted run sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { webhookCrashRuns } from '../harness/webhook-crash-runs.js';
import { writeWebhookJob } from '../harness/webhook-job.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const RECORDS = 3_000;
const TOKEN = 'hook-tkn-5e0d2a';

function prepare(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-webhook-crash-'));
  writeWebhookJob(dir, { records: RECORDS, options: 'concurrency: 10, backoff: { initial: 10ms, max: 100ms }' });
  return dir;
}

test('kill -9 while webhook requests are in flight, restart: the receiver sees every id of an uninterrupted run, repeats only with equal bodies', {
  timeout: 600_000,
}, async (t) => {
  // Killed once a start has sent between 200 and 700 requests, at a moment one of them is unanswered.
  const schedule = { kills: 3, min: 200, spread: 500, rand: mulberry32(31) };
  await webhookCrashRuns(
    prepare,
    (url) => ({ HOOK_URL: url, HOOK_TOKEN: TOKEN }),
    schedule,
    ({ reference, target, kills, printed }) => {
      assert.equal(kills, 3, 'the job was killed three times before it could finish');
      assert.equal(printed.includes(TOKEN), false, 'the token is printed nowhere');

      assert.equal(reference.bodies.size, RECORDS, 'the uninterrupted run: one id per output');
      assert.deepEqual(
        [...reference.bodies.values()].filter((b) => b.length !== 1),
        [],
        'the uninterrupted run sends each id once',
      );
      assert.deepEqual(new Set(target.bodies.keys()), new Set(reference.bodies.keys()), 'every id of the uninterrupted run, and no other');
      const differing = [...target.bodies].filter(([key, bodies]) => bodies.some((b) => !isDeepStrictEqual(b, reference.bodies.get(key)![0])));
      assert.deepEqual(differing.slice(0, 3), [], 'every request of an id carries the body the uninterrupted run sent');
      const repeated = [...target.bodies.values()].filter((b) => b.length > 1).length;
      assert.ok(target.server.calls > RECORDS, `requests unanswered at a kill were sent again (${target.server.calls} requests for ${RECORDS} ids)`);
      t.diagnostic(`${kills} kills, ${target.server.calls} requests for ${RECORDS} ids, ${repeated} ids sent more than once (same key, same body)`);
    },
  );
});
