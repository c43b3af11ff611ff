/**
 * Nexmark queries as Flywheel jobs over the in-process nexmark generator or a Kafka topic of its events (options
 * from the environment, which worker threads share, so every thread builds the same graph):
 * - q0 pass-through (the bids, projected), q1 currency conversion (map), q2 selection (filter);
 * - q3 incremental join: sellers in OR, ID or CA with their auctions of category 10, keyed state on both sides;
 * - q5 hot items: bids per auction in sliding 10 s windows every 2 s, then per window the auctions with the most;
 * - q7 highest bid per 10 s tumbling window: the highest bid per auction, then the highest over auctions;
 * - q8 new users: persons who opened an auction in the same 10 s tumbling window (a windowed join on person id);
 * - q11 bids per bidder in session windows with a 10 s gap.
 * Results go to the sink named by NEXMARK_SINK (`discard` by default).
 */
import { job } from '../../src/api/job.js';
import { session, sliding, tumbling } from '../../src/api/windows.js';
import type { Aggregator, KeyedProcessor, WindowResult } from '../../src/api/types.js';
import type { ConnectorSpec } from '../../src/graph/model.js';
import { NEXMARK_WATERMARK_DELAY, type Bid, type NexmarkEvent } from './model.js';
import { incrementalJoin, isQ3Input, newUserOf, newUserWindow, personKey } from './joins.js';

/** NEXMARK_SOURCE: a whole source spec (a Kafka topic of Nexmark events); else the generator with NEXMARK_OPTIONS. */
function sourceSpec(): ConnectorSpec {
  if (process.env.NEXMARK_SOURCE) return JSON.parse(process.env.NEXMARK_SOURCE) as ConnectorSpec;
  return { type: 'nexmark', options: JSON.parse(process.env.NEXMARK_OPTIONS ?? '{}') as Record<string, unknown> };
}

function sinkSpec(): ConnectorSpec {
  return JSON.parse(process.env.NEXMARK_SINK ?? '{"type":"discard","options":{}}') as ConnectorSpec;
}

const eventTime = { eventTime: { field: 'dateTime' as const, maxOutOfOrderness: NEXMARK_WATERMARK_DELAY } };
const isBid = (e: NexmarkEvent): boolean => e.kind === 'bid';

export const q0 = job('nexmark-q0', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('bids', isBid)
    .map('project', (e) => {
      const b = e as Bid;
      return { auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra };
    })
    .sink('out', sinkSpec());
});

export const q1 = job('nexmark-q1', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('bids', isBid)
    .map('to-euro', (e) => {
      const b = e as Bid;
      return { auction: b.auction, bidder: b.bidder, price: Math.floor(b.price * 0.908), dateTime: b.dateTime, extra: b.extra };
    })
    .sink('out', sinkSpec());
});

export const q2 = job('nexmark-q2', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('selected', (e) => e.kind === 'bid' && e.auction % 123 === 0)
    .map('project', (e) => ({ auction: (e as Bid).auction, price: (e as Bid).price }))
    .sink('out', sinkSpec());
});

export const q3 = job('nexmark-q3', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('sellers-and-auctions', isQ3Input)
    .keyBy('by-person', personKey)
    .process('join', incrementalJoin)
    .sink('out', sinkSpec());
});

const bidCount: Aggregator<unknown, number, number> = { create: () => 0, add: (n) => n + 1, merge: (a, b) => a + b, result: (n) => n };

export interface HotItems {
  windowEnd: number;
  auctions: number[];
  count: number;
}

/** Per window (keyed by its end): the auctions whose bid count equals the window's maximum, emitted at window end. */
export const hottest: KeyedProcessor<WindowResult<number>, HotItems> = {
  onRecord(r, ctx) {
    const best = ctx.state<{ count: number; auctions: number[] }>('best');
    const b = best.get();
    // The key is the window's end: its first result registers the one timer the window needs.
    if (!b) ctx.timers.register(r.end - 1);
    if (!b || r.value > b.count) best.set({ count: r.value, auctions: [Number(r.key)] });
    else if (r.value === b.count) best.set({ count: b.count, auctions: [...b.auctions, Number(r.key)] });
  },
  onTimer(_t, ctx) {
    const best = ctx.state<{ count: number; auctions: number[] }>('best');
    const b = best.get()!;
    ctx.emit({ windowEnd: Number(ctx.key), auctions: [...b.auctions].sort((x, y) => x - y), count: b.count });
    best.clear();
  },
};

// q5 and q7 take only the fields they use from each bid before the keyBy, as a SQL planner's projection push-down
// does (Flink's plans read only the referenced columns): the rest of a bid never crosses to the workers.
export const q5 = job('nexmark-q5', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('bids', isBid)
    .map('auction-of-bid', (e) => (e as Bid).auction)
    .keyBy('by-auction', (auction) => auction)
    .window('bids-per-auction', sliding(10_000, 2_000), bidCount)
    .keyBy('by-window', (r) => r.end)
    .process('hottest', hottest)
    .sink('out', sinkSpec());
});

export interface HighestBid {
  windowEnd: number;
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
}

/** What q7 reads of a bid. */
export type BidFields = Pick<Bid, 'auction' | 'bidder' | 'price' | 'dateTime'>;

/** The highest bid; ties keep the earliest in event time, then the lowest bidder, so the result is deterministic. */
export function higher<B extends BidFields>(a: B | null, b: B | null): B | null {
  if (!a) return b;
  if (!b) return a;
  if (b.price !== a.price) return b.price > a.price ? b : a;
  if (b.dateTime !== a.dateTime) return b.dateTime < a.dateTime ? b : a;
  return b.bidder < a.bidder ? b : a;
}

const maxBid: Aggregator<BidFields, BidFields | null, BidFields | null> = {
  create: () => null,
  add: (acc, b) => higher(acc, b),
  merge: higher,
  result: (acc) => acc,
};

export const highestOverAuctions: KeyedProcessor<WindowResult<BidFields | null>, HighestBid> = {
  onRecord(r, ctx) {
    const best = ctx.state<BidFields | null>('best');
    best.set(higher(best.get() ?? null, r.value));
    ctx.timers.register(r.end - 1);
  },
  onTimer(_t, ctx) {
    const best = ctx.state<BidFields | null>('best');
    const b = best.get()!;
    ctx.emit({ windowEnd: Number(ctx.key), auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime });
    best.clear();
  },
};

export const q7 = job('nexmark-q7', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('bids', isBid)
    .map('bid-fields', (e): BidFields => {
      const b = e as Bid;
      return { auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime };
    })
    .keyBy('by-auction', (b) => b.auction)
    .window('max-per-auction', tumbling(10_000), maxBid)
    .keyBy('by-window', (r) => r.end)
    .process('highest', highestOverAuctions)
    .sink('out', sinkSpec());
});

export const q8 = job('nexmark-q8', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('persons-and-auctions', (e) => e.kind === 'person' || e.kind === 'auction')
    .keyBy('by-person', personKey)
    .window('person-window', tumbling(10_000), newUserWindow)
    .flatMap('new-users', (r) => {
      const user = newUserOf(r.value, r.start);
      return user ? [user] : [];
    })
    .sink('out', sinkSpec());
});

export const q11 = job('nexmark-q11', (j) => {
  j.source<NexmarkEvent>('events', sourceSpec(), eventTime)
    .filter('bids', isBid)
    .keyBy('by-bidder', (e) => (e as Bid).bidder)
    .window('bidder-sessions', session(10_000), bidCount)
    .map('session-count', (r) => ({ bidder: Number(r.key), bidCount: r.value, starttime: r.start, endtime: r.end }))
    .sink('out', sinkSpec());
});
