/** Options of the feature processors: defaults, window geometry, and clear errors for what cannot work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFeatureOptions } from '../../../src/jobs/features/feature-options.js';
import { ErrorCodes } from '../../../src/core/errors.js';

const MINUTE = 60_000;

test('defaults: 1h, 24h and 7d of 60 buckets, snapshots every minute', () => {
  const o = resolveFeatureOptions();
  assert.deepEqual(o.windows, [
    { label: '1h', size: 60 * MINUTE, bucket: MINUTE, buckets: 60, refresh: 6 * MINUTE },
    { label: '24h', size: 1440 * MINUTE, bucket: 24 * MINUTE, buckets: 60, refresh: 144 * MINUTE },
    { label: '7d', size: 10_080 * MINUTE, bucket: 168 * MINUTE, buckets: 60, refresh: 1008 * MINUTE },
  ]);
  assert.equal(o.emitInterval, MINUTE);
  assert.deepEqual(o.halfLives, { short: 60 * MINUTE, long: 1440 * MINUTE });
  assert.equal(o.distinctPrecision, 8);
  assert.deepEqual(o.priceQuantiles, [0.5, 0.9, 0.99]);
});

test('windows given in ms are named by their largest whole unit; string names are kept as written', () => {
  const o = resolveFeatureOptions({ windows: [30 * MINUTE, '2h', 86_400_000], emitInterval: '30s', trendHalfLives: { short: '10m' } });
  assert.deepEqual(
    o.windows.map((w) => w.label),
    ['30m', '2h', '1d'],
  );
  assert.deepEqual(o.halfLives, { short: 10 * MINUTE, long: 1440 * MINUTE });
});

const rejects: Array<[string, object, RegExp]> = [
  ['an unknown option', { window: ['1h'] }, /unknown key 'window'/],
  ['a malformed duration', { windows: ['1 hour'] }, /"1 hour" is not a positive duration/],
  ['a window that buckets cannot split into whole ms', { windows: [1001], bucketsPerWindow: 10 }, /not a whole number of ms per bucket/],
  ['an emit interval that does not divide a bucket', { windows: ['1h'], emitInterval: '7m' }, /emit interval \(420000 ms\) must divide the bucket size/],
  ['a refresh step the emit interval does not divide', { windows: ['1h'], bucketsPerWindow: 10, refreshesPerWindow: 7 }, /must divide the refresh step/],
  ['a repeated window name', { windows: ['1h', '1h'] }, /window name '1h' is repeated or reserved/],
  ['a quantile outside (0, 1)', { priceQuantiles: [1] }, /must be < 1/],
];

for (const [what, options, message] of rejects) {
  test(`rejects ${what}`, () => {
    assert.throws(
      () => resolveFeatureOptions(options as never),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, ErrorCodes.CONFIG_INVALID);
        assert.match(err.message, message);
        return true;
      },
    );
  });
}
