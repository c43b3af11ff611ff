/**
 * The start-up retry of connectors (pure logic, no broker): the backoff schedule doubles from 0.5 s to a 10 s cap;
 * only an unreachable destination is retried, each wait is reported with its reason, success clears the reason,
 * and a stop request ends the retries with the last error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openWithRetry, retryDelay, type RetryWait } from '../../src/runtime/connect-retry.js';
import { ErrorCodes, FlywheelError } from '../../src/core/errors.js';

const unreachable = () => new FlywheelError(ErrorCodes.BROKER_UNAVAILABLE, 'cannot reach Kafka at 127.0.0.1:1: timed out', { stepId: 'events' });

test('backoff schedule: 0.5 s doubling to a 10 s cap', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map(retryDelay), [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
});

test('an unreachable destination is retried and each wait reported; success clears the reason', { timeout: 10_000 }, async () => {
  const reported: Array<RetryWait | null> = [];
  let attempts = 0;
  await openWithRetry(
    'source events',
    async () => {
      if (++attempts < 3) throw unreachable();
    },
    { waiting: (r) => reported.push(r), stopped: new Promise(() => undefined) },
  );
  assert.equal(attempts, 3);
  const code = ErrorCodes.BROKER_UNAVAILABLE;
  assert.deepEqual(reported, [
    { reason: 'source events: cannot reach Kafka at 127.0.0.1:1: timed out; attempt 1 failed, retrying in 0.5 s', attempt: 1, delayMs: 500, code },
    { reason: 'source events: cannot reach Kafka at 127.0.0.1:1: timed out; attempt 2 failed, retrying in 1 s', attempt: 2, delayMs: 1000, code },
    null,
  ]);
});

test('any other error stops start-up at once', async () => {
  let attempts = 0;
  const bad = new FlywheelError(ErrorCodes.SOURCE, 'topic x has no partitions');
  await assert.rejects(
    openWithRetry(
      'source events',
      async () => {
        attempts++;
        throw bad;
      },
      { waiting: () => undefined, stopped: new Promise(() => undefined) },
    ),
    bad,
  );
  assert.equal(attempts, 1);
});

test('a stop request ends the retries with the last error', { timeout: 10_000 }, async () => {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let attempts = 0;
  const pending = openWithRetry(
    'sink out',
    async () => {
      attempts++;
      throw unreachable();
    },
    { waiting: () => stop(), stopped },
  );
  await assert.rejects(pending, (err: unknown) => err instanceof FlywheelError && err.code === ErrorCodes.BROKER_UNAVAILABLE);
  assert.equal(attempts, 1);
});
