/**
 * The Nexmark generator against the reference generator's rules (nexmark/nexmark, nexmark-flink generator with its
 * default configuration): the 1:3:46 mix, consecutive ids from 1000, event times 100 us apart at the default
 * 10,000 events per second, hot auctions/bidders/sellers in the configured ratios, bids naming existing (or at
 * most 10 future) auctions and people, auction expiry within twice the time 100 more auctions take, prices
 * 10^(6u) dollars in cents, padding to the reference's average sizes; bounded disorder; deterministic partitions
 * and restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nexmarkEvents, nexmarkSourceType } from '../../../src/connectors/generator/nexmark-source.js';
import type { SourceConnector, SourceRecord } from '../../../src/connectors/connector.js';
import { validateAgainst } from '../../../src/graph/schema-validator.js';

type Event = Record<string, number | string>;
const START = 1_767_225_600_000;
const N = 100_000;
const events = [...nexmarkEvents({ count: N })] as Event[];

/** 5 binomial standard deviations of a share p over n trials. */
const tolerance = (p: number, n: number): number => 5 * Math.sqrt((p * (1 - p)) / n);

test('mix 1:3:46, consecutive ids from 1000, event n at start + n * 100 us', () => {
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(
    { person: kinds.filter((k) => k === 'person').length, auction: kinds.filter((k) => k === 'auction').length, bid: kinds.filter((k) => k === 'bid').length },
    { person: 2000, auction: 6000, bid: 92_000 },
  );
  assert.deepEqual(
    events.slice(0, 50).map((e) => e.kind),
    ['person', 'auction', 'auction', 'auction', ...Array<string>(46).fill('bid')],
  );
  const personIds = events.filter((e) => e.kind === 'person').map((e) => e.id);
  assert.deepEqual(
    personIds,
    personIds.map((_, k) => 1000 + k),
  );
  const auctionIds = events.filter((e) => e.kind === 'auction').map((e) => e.id);
  assert.deepEqual(
    auctionIds,
    auctionIds.map((_, k) => 1000 + k),
  );
  events.forEach((e, n) => assert.equal(e.dateTime, START + Math.floor(n / 10)));
});

test('bids and auctions name existing people and auctions, hot ones in the reference ratios', () => {
  let lastPerson = 0;
  let lastAuction = 0;
  let hotAuctions = 0;
  let hotBidders = 0;
  let hotSellers = 0;
  let bids = 0;
  let auctions = 0;
  let hotChannels = 0;
  events.forEach((e) => {
    if (e.kind === 'person') lastPerson = e.id as number;
    if (e.kind === 'auction') {
      lastAuction = e.id as number;
      auctions++;
      const seller = e.seller as number;
      assert.ok(seller >= 1000 && seller <= lastPerson + 10, `seller ${seller}, last person ${lastPerson}`);
      if (seller === 1000 + Math.floor((lastPerson - 1000) / 100) * 100) hotSellers++;
      assert.ok((e.category as number) >= 10 && (e.category as number) <= 14);
      assert.ok((e.reserve as number) > (e.initialBid as number));
    }
    if (e.kind === 'bid') {
      bids++;
      const auction = e.auction as number;
      const bidder = e.bidder as number;
      const hotAuction = 1000 + Math.floor((lastAuction - 1000) / 100) * 100;
      const hotBidder = 1000 + Math.floor((lastPerson - 1000) / 100) * 100 + 1;
      if (auction === hotAuction) hotAuctions++;
      else assert.ok(auction >= Math.max(1000, lastAuction - 100) && auction <= lastAuction + 10, `auction ${auction}, last ${lastAuction}`);
      if (bidder === hotBidder) hotBidders++;
      else assert.ok(bidder >= Math.max(1000, lastPerson - 999) && bidder <= lastPerson + 10, `bidder ${bidder}, last ${lastPerson}`);
      if (['Google', 'Facebook', 'Baidu', 'Apple'].includes(e.channel as string)) hotChannels++;
      else assert.match(e.channel as string, /^channel-\d+$/);
      assert.match(e.url as string, /^https:\/\/www\.nexmark\.com\/\S+\/\S+\/\S+\/item\.htm\?query=1/);
    }
  });
  // Hot with chance 1 - 1/ratio, plus the rare random pick of the hot id itself: one of ~110 auctions, ~1010 people.
  const check = (name: string, count: number, n: number, p: number, pick: number): void => {
    const share = count / n;
    assert.ok(share > p - tolerance(p, n) && share < p + pick + tolerance(p, n), `${name}: ${share.toFixed(4)}, expected ${p}`);
  };
  check('hot auctions', hotAuctions, bids, 1 / 2, 1 / 2 / 100);
  check('hot bidders', hotBidders, bids, 3 / 4, 1 / 4 / 100);
  check('hot sellers', hotSellers, auctions, 3 / 4, 1 / 4 / 10);
  check('hot channels', hotChannels, bids, 1 / 2, 0);
});

test('auction expiry, prices and padding follow the reference', () => {
  const auctions = events.map((e, n) => ({ e, n })).filter(({ e }) => e.kind === 'auction');
  let lengthSum = 0;
  let horizonSum = 0;
  for (const { e, n } of auctions) {
    // The time 100 * 50 / 3 = 1666 events take, from this event's time.
    const horizon = Math.floor((n + 1666) / 10) - Math.floor(n / 10);
    const length = (e.expires as number) - (e.dateTime as number);
    assert.ok(length >= 1 && length <= 2 * horizon, `auction ${e.id}: lasts ${length} ms, horizon ${horizon}`);
    lengthSum += length;
    horizonSum += horizon;
  }
  // Uniform on [1, 2h]: mean h + 1/2, sd about 2h / sqrt(12) per auction.
  const h = horizonSum / auctions.length;
  assert.ok(Math.abs(lengthSum / auctions.length - (h + 0.5)) < (5 * ((2 * h) / Math.sqrt(12))) / Math.sqrt(auctions.length));
  const bids = events.filter((e) => e.kind === 'bid');
  const exponents = bids.map((b) => Math.log10((b.price as number) / 100));
  assert.ok(exponents.every((x) => x >= -0.01 && x <= 6.01));
  // log10(price in dollars) is uniform on [0, 6]: mean 3, variance 3.
  assert.ok(Math.abs(exponents.reduce((t, x) => t + x, 0) / bids.length - 3) < 5 * Math.sqrt(3 / bids.length));
  // The padding makes a bid's idealized size (4 numbers of 8 bytes plus extra) average 100 bytes, +-20%.
  const bidSize = bids.reduce((t, b) => t + 32 + (b.extra as string).length, 0) / bids.length;
  assert.ok(Math.abs(bidSize - 100) < 1, `bid size ${bidSize}`);
});

test('out-of-orderness: every event at most outOfOrderness behind the largest before it, none lost', () => {
  // Groups of 50 ms / 0.1 ms + 1 = 501 events are permuted; 40 whole groups.
  const disordered = [...nexmarkEvents({ count: 501 * 40, outOfOrderness: 50 })] as Event[];
  let maxTs = -Infinity;
  let behind = 0;
  for (const e of disordered) {
    const lag = maxTs - (e.dateTime as number);
    assert.ok(lag <= 50, `lag ${lag}`);
    if (lag > 0) behind++;
    maxTs = Math.max(maxTs, e.dateTime as number);
  }
  assert.ok(behind > 1000, `events behind: ${behind}`);
  const sorted = (list: Event[]): string[] => list.map((e) => JSON.stringify(e)).sort();
  assert.deepEqual(sorted(disordered), sorted(events.slice(0, 501 * 40)), 'the same events, reordered');
});

async function drain(source: SourceConnector, startOffsets: Map<number, number>): Promise<SourceRecord[]> {
  await source.open({ startOffsets });
  const out: SourceRecord[] = [];
  while (!source.finished()) out.push(...(await source.poll(1000)));
  return out;
}

test('source: partition p holds positions p, p + P, ...; a restart from offset k continues exactly', async () => {
  const options: Record<string, unknown> = { count: 4003, partitions: 4, outOfOrderness: 20 };
  assert.equal(validateAgainst(nexmarkSourceType.optionsSchema, options), null);
  const ctx = { jobName: 't', baseDir: '.', stepId: 'events' };
  const inOrder = [...nexmarkEvents({ count: 4003, outOfOrderness: 20 })];
  const sharded = await drain(nexmarkSourceType.create(options as never, ctx), new Map());
  assert.equal(sharded.length, 4003);
  for (const r of sharded) assert.deepEqual(r.value, inOrder[r.offset * 4 + r.partition]);
  const resumed = await drain(nexmarkSourceType.create(options as never, ctx), new Map([[2, 500]]));
  assert.deepEqual(
    resumed.filter((r) => r.partition === 2).map((r) => r.value),
    inOrder.filter((_, m) => m % 4 === 2).slice(500),
  );
  assert.match(validateAgainst(nexmarkSourceType.optionsSchema, { rate: -1 })!.message, />= 0/);
});
