/**
 * Nexmark events as a pure function of the event number, following the reference generator (nexmark/nexmark,
 * GeneratorConfig and the Person/Auction/Bid generators): out of every 50 events 1 is a person, 3 are auctions and
 * 46 are bids; ids start at 1000; bids go to a hot auction (ratio 2) or a recent one, from a hot bidder (ratio 4) or
 * an active person; prices are 10^(6u) cents; auctions name a hot seller (ratio 4) and one of 5 categories.
 * Because event n depends only on (seed, n), any shard can start at any offset without replay.
 */
import { mulberry32, hash32 } from './random.js';

const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const PROPORTION_DENOMINATOR = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
const HOT_SELLER_RATIO = 4;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const NUM_ACTIVE_PEOPLE = 1000;
const AUCTION_ID_LEAD = 10;

const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

export interface NexmarkOptions {
  seed: number;
  /** Events per second of event time: event n has time startTime + n * 1000 / eventsPerSecondOfEventTime. */
  eventsPerSecondOfEventTime: number;
  startTime: number;
  /** Each event's time may be moved back by up to this many ms (bounded out-of-orderness). */
  outOfOrderness: number;
}

function lastBase0PersonId(eventId: number): number {
  const epoch = Math.floor(eventId / PROPORTION_DENOMINATOR);
  const offset = Math.min(eventId % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

function lastBase0AuctionId(eventId: number): number {
  let epoch = Math.floor(eventId / PROPORTION_DENOMINATOR);
  let offset = eventId % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return Math.max(0, epoch * AUCTION_PROPORTION + offset);
}

const nextInt = (r: () => number, n: number): number => Math.floor(r() * n);
const nextPrice = (r: () => number): number => Math.round(Math.pow(10, r() * 6) * 100);

function nextString(r: () => number, maxLength: number): string {
  const len = 3 + nextInt(r, maxLength - 3);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(97 + nextInt(r, 26));
  return s;
}

function nextBase0PersonId(eventId: number, r: () => number): number {
  const numPeople = lastBase0PersonId(eventId) + 1;
  const activePeople = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
  return numPeople - activePeople + nextInt(r, activePeople);
}

function nextBase0AuctionId(eventId: number, r: () => number): number {
  const maxAuction = lastBase0AuctionId(eventId);
  const minAuction = Math.max(maxAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
  return minAuction + nextInt(r, maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}

export function nexmarkEvent(o: NexmarkOptions, eventId: number): Record<string, unknown> {
  const r = mulberry32(hash32(o.seed, eventId));
  const base = o.startTime + Math.floor((eventId * 1000) / o.eventsPerSecondOfEventTime);
  const dateTime = o.outOfOrderness > 0 ? base - nextInt(r, o.outOfOrderness + 1) : base;
  const rem = eventId % PROPORTION_DENOMINATOR;
  if (rem < PERSON_PROPORTION) {
    const id = FIRST_PERSON_ID + lastBase0PersonId(eventId);
    return {
      kind: 'person', id,
      name: `${FIRST_NAMES[nextInt(r, FIRST_NAMES.length)]} ${LAST_NAMES[nextInt(r, LAST_NAMES.length)]}`,
      emailAddress: `${nextString(r, 7)}@${nextString(r, 5)}.com`,
      creditCard: Array.from({ length: 4 }, () => String(1000 + nextInt(r, 9000))).join(' '),
      city: US_CITIES[nextInt(r, US_CITIES.length)], state: US_STATES[nextInt(r, US_STATES.length)],
      dateTime, extra: '',
    };
  }
  if (rem < PERSON_PROPORTION + AUCTION_PROPORTION) {
    const id = FIRST_AUCTION_ID + lastBase0AuctionId(eventId);
    const seller = FIRST_PERSON_ID + (nextInt(r, HOT_SELLER_RATIO) > 0 ? Math.floor(lastBase0PersonId(eventId) / HOT_SELLER_RATIO) * HOT_SELLER_RATIO : nextBase0PersonId(eventId, r));
    const initialBid = nextPrice(r);
    return {
      kind: 'auction', id, itemName: nextString(r, 20), description: nextString(r, 100), initialBid, reserve: initialBid + nextPrice(r),
      dateTime, expires: dateTime + 10_000 + nextInt(r, 20_000), seller, category: FIRST_CATEGORY_ID + nextInt(r, NUM_CATEGORIES), extra: '',
    };
  }
  const auction = FIRST_AUCTION_ID + (nextInt(r, HOT_AUCTION_RATIO) > 0 ? Math.floor(lastBase0AuctionId(eventId) / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO : nextBase0AuctionId(eventId, r));
  const bidder = FIRST_PERSON_ID + (nextInt(r, HOT_BIDDER_RATIO) > 0 ? Math.floor(lastBase0PersonId(eventId) / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 : nextBase0PersonId(eventId, r));
  const channel = CHANNELS[nextInt(r, CHANNELS.length)]!;
  return { kind: 'bid', auction, bidder, price: nextPrice(r), channel, url: `https://www.nexmark.com/${channel.toLowerCase()}/item.htm?query=1`, dateTime, extra: '' };
}
