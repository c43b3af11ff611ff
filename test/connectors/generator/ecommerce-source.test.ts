/**
 * The e-commerce generator as a source: the same options give the same records, a restart from any offsets gives
 * exactly the tail, options are checked, and delivery does what the options say: malformed records at badFraction,
 * late records at lateFraction and more than lateBy behind, every other record at most outOfOrderness behind its
 * partition's largest ts, labels causal (a click 1-30 s after a view of the same item in the same session), and each
 * user in one partition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Undecodable } from '../../../src/connectors/connector.js';
import { ecommerceEvents, ecommerceShardEvents, generatorSourceType } from '../../../src/connectors/generator/generator-source.js';
import { resolveEcommerceOptions, type EcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';
import { lateMargin } from '../../../src/connectors/generator/ecommerce-shard.js';
import type { SourceConnector, SourceRecord } from '../../../src/connectors/connector.js';
import { validateAgainst } from '../../../src/graph/schema-validator.js';

const ctx = { jobName: 't', baseDir: '.', stepId: 'events' };

async function drain(source: SourceConnector, startOffsets: Map<number, number>): Promise<SourceRecord[]> {
  await source.open({ startOffsets });
  const out: SourceRecord[] = [];
  while (!source.finished()) out.push(...(await source.poll(1000)));
  await source.close();
  return out;
}

const options = resolveEcommerceOptions({
  seed: 3,
  users: 2000,
  items: 500,
  categories: 10,
  partitions: 3,
  count: 60_000,
  eventsPerSecondOfEventTime: 300,
  outOfOrderness: 2000,
  lateFraction: 0.01,
  lateBy: 60_000,
  badFraction: 0.02,
  experiments: [{ id: 'rct', variants: [{ name: 'control' }, { name: 'treatment', clickEffect: 0.4 }] }] as EcommerceOptions['experiments'],
});

const key = (r: SourceRecord): string => `${r.partition}/${r.offset}`;

test('same options give the same records; a restart from offsets k gives exactly the tail', async () => {
  const full = await drain(generatorSourceType.create(options, ctx), new Map());
  assert.equal(full.length, 60_000);
  assert.deepEqual(await drain(generatorSourceType.create(options, ctx), new Map()), full);
  const from = new Map([
    [0, 4000],
    [1, 123],
    [2, 19_999],
  ]);
  const resumed = await drain(generatorSourceType.create(options, ctx), from);
  const tail = full.filter((r) => r.offset >= from.get(r.partition)!);
  assert.equal(resumed.length, tail.length);
  assert.deepEqual(new Map(resumed.map((r) => [key(r), r])), new Map(tail.map((r) => [key(r), r])));
  const plain = [...ecommerceShardEvents(options, 1, 123)].map((v) => (v instanceof Undecodable ? v.raw : v));
  assert.deepEqual(
    plain,
    tail.filter((r) => r.partition === 1).map((r) => r.value ?? r.raw),
    'the plain iterator yields the same shard sequence',
  );
});

test('options: defaults filled in, unknown keys and impossible experiments refused', () => {
  const withDefaults: Record<string, unknown> = { count: 10 };
  assert.equal(validateAgainst(generatorSourceType.optionsSchema, withDefaults), null);
  assert.equal(withDefaults.users, 10_000);
  assert.match(validateAgainst(generatorSourceType.optionsSchema, { colour: 'red' })!.message, /unknown key 'colour'/);
  assert.throws(
    () =>
      resolveEcommerceOptions({
        experiments: [{ id: 'obs', randomized: false, variants: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] }] as EcommerceOptions['experiments'],
      }),
    /exactly two variants/,
  );
  assert.throws(() => resolveEcommerceOptions({ users: 2, partitions: 4 }), /cannot fill 4 partitions/);
  assert.throws(
    () => resolveEcommerceOptions({ experiments: [{ id: 'x', variants: [{ name: 'a', weight: -1 }, { name: 'b' }] }] as EcommerceOptions['experiments'] }),
    /experiments\[0\]\.variants\[0\]\.weight/,
  );
});

test('malformed, late and disordered records in the configured shares and bounds; labels causal', async () => {
  const records = await drain(generatorSourceType.create(options, ctx), new Map());
  const types = new Set(['view', 'click', 'cart', 'purchase', 'exposure']);
  const isGood = (r: SourceRecord): boolean => {
    const v = r.value as Record<string, unknown> | undefined;
    return r.error === undefined && typeof v?.ts === 'number' && typeof v.userId === 'string' && types.has(v.type as string);
  };
  const bad = records.filter((r) => !isGood(r));
  // Binomial(60,000, 0.02): sd = sqrt(60000 * .02 * .98) = 34; 5 sd.
  assert.ok(Math.abs(bad.length - 1200) < 170, `malformed ${bad.length}`);
  const undecodable = bad.filter((r) => r.error !== undefined);
  assert.ok(
    undecodable.length > 0 && undecodable.every((r) => r.raw !== undefined && r.value === undefined),
    'undecodable payloads come as error records with the raw text',
  );
  assert.ok(
    undecodable.every((r) => {
      try {
        JSON.parse(r.raw as string);
        return false;
      } catch {
        return true;
      }
    }),
    'an undecodable payload is not JSON',
  );
  const margin = lateMargin(options);
  let late = 0;
  let good = 0;
  for (let p = 0; p < 3; p++) {
    let maxTs = -Infinity;
    for (const r of records.filter((x) => x.partition === p && isGood(x))) {
      const v = r.value as { ts: number; userId: string };
      good++;
      const lag = maxTs - v.ts;
      if (lag > options.lateBy) late++;
      else assert.ok(lag <= options.outOfOrderness, `partition ${p} offset ${r.offset}: lag ${lag} is neither within outOfOrderness nor late`);
      maxTs = Math.max(maxTs, v.ts);
      assert.equal(Number(v.userId.slice(1)) % 3, p, 'a user stays in one partition');
    }
  }
  // Late events are 1% of good ones; those in the last lateBy + margin of each partition have not arrived yet.
  const span = (60_000 / 300) * 1000;
  const expectedLate = 0.01 * good * (1 - (options.lateBy + options.outOfOrderness + margin) / span);
  assert.ok(Math.abs(late - expectedLate) < 5 * Math.sqrt(expectedLate), `late ${late}, expected about ${expectedLate.toFixed(0)}`);
  assert.ok(late > 100, `late ${late}`);
});

test('labels are causal: a click follows a view of its item in its session by 1-30 s, a cart its click, a purchase its cart', () => {
  // Without late delivery, so every event's cause is in the stream; the simulated events are the same.
  const events = [...ecommerceEvents({ ...options, lateFraction: 0, badFraction: 0 })] as Array<{
    type: string;
    ts: number;
    sessionId: string;
    itemId?: string;
  }>;
  const seen = new Map<string, number[]>();
  const counts: Record<string, number> = {};
  const cause = { click: ['view', 1000, 30_000], cart: ['click', 5000, 60_000], purchase: ['cart', 10_000, 120_000] } as const;
  for (const e of events.sort((a, b) => a.ts - b.ts)) {
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    const before = cause[e.type as keyof typeof cause];
    if (before) {
      const [type, min, max] = before;
      const times = seen.get(`${e.sessionId}/${e.itemId}/${type}`) ?? [];
      assert.ok(
        times.some((t) => e.ts - t >= min && e.ts - t < max),
        `a ${e.type} at ${e.ts} in ${e.sessionId} follows a ${type} of ${e.itemId} by ${min}-${max} ms`,
      );
    }
    const at = `${e.sessionId}/${e.itemId}/${e.type}`;
    seen.set(at, [...(seen.get(at) ?? []), e.ts]);
  }
  assert.ok(counts.click! > 1000 && counts.cart! > 100 && counts.purchase! > 50, JSON.stringify(counts));
});
