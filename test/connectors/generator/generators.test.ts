/**
 * The generators: deterministic and seekable (a restart from offset k continues with exactly the same events), the
 * Nexmark event mix, and the e-commerce ground truth showing in the events: click rates match the true click
 * model, randomized assignment follows the split, and self-selection biases the naive observational comparison.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generatorSourceType, ecommerceEvents, generatorTruth, type GeneratorOptions } from '../../../src/connectors/generator/generator-source.js';
import { nexmarkEvents, nexmarkSourceType } from '../../../src/connectors/generator/nexmark-source.js';
import type { SourceConnector, SourceRecord } from '../../../src/connectors/connector.js';

const ctx = { jobName: 't', baseDir: '.', stepId: 'events' };

async function drain(source: SourceConnector, startOffsets: Map<number, number>): Promise<SourceRecord[]> {
  await source.open({ startOffsets });
  const out: SourceRecord[] = [];
  while (!source.finished()) out.push(...(await source.poll(1000)));
  return out;
}

const base: GeneratorOptions & { startTime: number } = {
  seed: 3, users: 2000, items: 500, categories: 10, partitions: 3, count: 30_000, rate: 0, eventsPerSecondOfEventTime: 1000,
  startTime: 1_767_225_600_000, outOfOrderness: 2000, lateFraction: 0.01, lateBy: 600_000, badFraction: 0.01,
  experiments: [{ id: 'rct', randomized: true, compliance: 1, variants: [{ name: 'control', weight: 1 }, { name: 'treatment', weight: 1, clickEffect: 0.4 }] }],
};

test('generator: same options give the same events, and a restart from offset k gives the same tail', async () => {
  const full = await drain(generatorSourceType.create(base, ctx), new Map());
  const again = await drain(generatorSourceType.create(base, ctx), new Map());
  assert.deepEqual(again, full);
  const resumed = await drain(generatorSourceType.create(base, ctx), new Map([[0, 4000], [1, 123], [2, 9999]]));
  const expectedTail = full.filter((r) => r.offset >= ({ 0: 4000, 1: 123, 2: 9999 } as Record<number, number>)[r.partition]!);
  const key = (r: SourceRecord) => `${r.partition}/${r.offset}`;
  assert.deepEqual(new Map(resumed.map((r) => [key(r), r])), new Map(expectedTail.map((r) => [key(r), r])));
});

test('generator: bad and late fractions, bounded disorder, per-user partitioning', async () => {
  const records = await drain(generatorSourceType.create(base, ctx), new Map());
  const n = records.length;
  const bad = records.filter((r) => r.error !== undefined || typeof (r.value as { ts: unknown }).ts !== 'number' || !(r.value as { userId?: string }).userId || !['view', 'click', 'cart', 'purchase', 'exposure'].includes((r.value as { type: string }).type)).length;
  // 1% of 30,000: binomial sd ~17; allow 5 sd.
  assert.ok(Math.abs(bad - 0.01 * n) < 90, `bad records ${bad}`);
  for (let p = 0; p < 3; p++) {
    let maxTs = -Infinity;
    let late = 0;
    for (const r of records.filter((x) => x.partition === p && x.error === undefined)) {
      const v = r.value as { ts: number; userId?: string };
      if (typeof v.ts !== 'number') continue;
      if (v.ts < maxTs - 2000) late++;
      maxTs = Math.max(maxTs, v.ts);
      if (v.userId) assert.equal(Number(v.userId.slice(1)) % 3, p, 'a user stays in one partition');
    }
    assert.ok(late > 0.005 * (n / 3) && late < 0.02 * (n / 3), `late records in partition ${p}: ${late}`);
  }
});

test('generator: the empirical click rate matches the true click model', () => {
  const o = { ...base, partitions: 1, outOfOrderness: 0, lateFraction: 0, badFraction: 0, experiments: [] };
  const truth = generatorTruth(o);
  // Views up to a cutoff; a view's click (same sessionId) follows within 30 s, so events up to cutoff + 31 s hold them.
  const cutoff = o.startTime + 250_000;
  const viewed = new Set<string>();
  let expected = 0;
  let clicks = 0;
  for (const g of ecommerceEvents(o, 0, 400_000)) {
    if (!('event' in g)) continue;
    const e = g.event as { type: string; userId: string; itemId: string; sessionId: string; ts: number };
    if (e.ts > cutoff + 31_000) break;
    if (e.type === 'view' && e.ts <= cutoff) {
      viewed.add(e.sessionId);
      expected += truth.clickProbability(Number(e.userId.slice(1)), Number(e.itemId.slice(1)));
    } else if (e.type === 'click' && viewed.has(e.sessionId)) clicks++;
  }
  // A sum of independent Bernoullis: its sd is below sqrt(expected) (~190 here); 5 sd makes a false alarm negligible.
  assert.ok(viewed.size > 100_000, `views ${viewed.size}`);
  assert.ok(Math.abs(clicks - expected) < 5 * Math.sqrt(expected), `clicks ${clicks}, expected ${expected.toFixed(0)} from ${viewed.size} views`);
});

test('generator: randomized split follows the weights; self-selection confounds the observational experiment', () => {
  const o = { ...base, users: 20_000, experiments: [
    { id: 'rct', randomized: true, compliance: 1, variants: [{ name: 'control', weight: 1 }, { name: 'treatment', weight: 3 }] },
    { id: 'obs', randomized: false, compliance: 1, variants: [{ name: 'control', weight: 1 }, { name: 'treatment', weight: 1, clickEffect: 0 }] },
  ] };
  const truth = generatorTruth(o);
  let treated = 0;
  let obsTreated = 0;
  let obsTreatedHigh = 0;
  let obsControlHigh = 0;
  for (let u = 0; u < o.users; u++) {
    if (truth.assignment(u, 0).variant === 1) treated++;
    const obs = truth.assignment(u, 1).variant === 1;
    if (obs) obsTreated++;
    if (truth.user(u).highValue) obs ? obsTreatedHigh++ : obsControlHigh++;
  }
  // 3:1 split of 20,000: sd sqrt(20000 * .75 * .25) ~ 61; allow 5 sd.
  assert.ok(Math.abs(treated - 15_000) < 305, `treated ${treated}`);
  const highShareTreated = obsTreatedHigh / obsTreated;
  const highShareControl = obsControlHigh / (o.users - obsTreated);
  assert.ok(highShareTreated > 2 * highShareControl, `self-selected treatment is richer in high-value users (${highShareTreated.toFixed(2)} vs ${highShareControl.toFixed(2)})`);
});

test('nexmark: the standard mix (2% persons, 6% auctions, 92% bids), ids from 1000, sharded and seekable', async () => {
  const kinds: Record<string, number> = {};
  let maxAuction = 0;
  for (const e of nexmarkEvents({ count: 50_000 })) {
    kinds[e.kind as string] = (kinds[e.kind as string] ?? 0) + 1;
    if (e.kind === 'auction') maxAuction = Math.max(maxAuction, e.id as number);
    if (e.kind === 'bid') assert.ok((e.auction as number) >= 1000 && (e.auction as number) <= maxAuction + 10);
  }
  assert.deepEqual(kinds, { person: 1000, auction: 3000, bid: 46_000 });
  const options = { seed: 1, partitions: 4, count: 4000, rate: 0, eventsPerSecondOfEventTime: 100_000, startTime: 1_767_225_600_000, outOfOrderness: 0 };
  const sharded = await drain(nexmarkSourceType.create(options, ctx), new Map());
  const inOrder = [...nexmarkEvents({ count: 4000 })];
  for (const r of sharded) assert.deepEqual(r.value, inOrder[r.offset * 4 + r.partition]);
  const resumed = await drain(nexmarkSourceType.create(options, ctx), new Map([[2, 500]]));
  assert.deepEqual(resumed.filter((r) => r.partition === 2).map((r) => r.value), inOrder.filter((_, n) => n % 4 === 2).slice(500));
});
