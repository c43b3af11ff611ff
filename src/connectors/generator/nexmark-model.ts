/**
 * Nexmark events as a pure function of the event number, following the reference generator (nexmark/nexmark,
 * nexmark-flink GeneratorConfig, NexmarkGenerator and the Person/Auction/Bid generators, default configuration):
 * - of every 50 events 1 is a person, 3 are auctions, 46 are bids; person and auction ids start at 1000 and grow
 *   with the event number; event n happens at startTime + floor(floor(n * interEventDelayUs) / 1000) ms;
 * - a bid goes to a hot auction (the first of the latest block of 100 auctions) unless 1 in hotAuctionRatio (2),
 *   else to one of the last 100 auctions or 10 ahead; the bidder is hot (the second person of the latest block of
 *   100) unless 1 in hotBiddersRatio (4), else one of the last 1000 people or 10 ahead; sellers likewise with
 *   hotSellersRatio (4), the first person of the block;
 * - prices are round(10^(6u) * 100) cents; 5 categories from 10; an auction lasts 1 ms to twice the event-time span
 *   of the next 1666 events (the time 100 more auctions take);
 * - disorder as the reference's outOfOrderGroupSize: position m of the stream carries event
 *   floor(m / g) * g + (m * 953) % g, with groups g just short enough that an event lags by at most outOfOrderness.
 * One deliberate difference: the reference adds FIRST_PERSON_ID to a bidder twice, so its bidders miss the persons;
 * here it is added once, as in the Beam Nexmark generator the reference derives from.
 * Because an event depends only on (seed, event number), any partition can start at any offset without replay.
 */
import { nextChannel, nextExtra, nextString } from './nexmark-strings.js';
import { hash32, SeededRandom } from '../../core/seeded-random.js';

export const NEXMARK_CONFIG = {
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  firstPersonId: 1000,
  firstAuctionId: 1000,
  firstCategoryId: 10,
  numCategories: 5,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  /** Block size behind the hot auction, bidder and seller choice (HOT_*_RATIO constants of the generators). */
  hotBlock: 100,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  idLead: 10,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  /** The reference's default firstEventRate: events per second of event time. */
  defaultEventsPerSecond: 10_000,
} as const;

const C = NEXMARK_CONFIG;
const TOTAL = C.personProportion + C.auctionProportion + C.bidProportion;
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const CARD_GROUPS = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
/** Multipliers for the out-of-order permutation: 953 as in the reference, the next primes when 953 divides g. */
const PERMUTATION_MULTIPLIERS = [953, 967, 971, 977];

export interface NexmarkModelOptions {
  seed: number;
  eventsPerSecondOfEventTime: number;
  startTime: number;
  outOfOrderness: number;
}

export function lastBase0PersonId(eventId: number): number {
  const epoch = Math.floor(eventId / TOTAL);
  const offset = Math.min(eventId % TOTAL, C.personProportion - 1);
  return epoch * C.personProportion + offset;
}

export function lastBase0AuctionId(eventId: number): number {
  let epoch = Math.floor(eventId / TOTAL);
  let offset = eventId % TOTAL;
  if (offset < C.personProportion) {
    epoch--;
    offset = C.auctionProportion - 1;
  } else if (offset >= C.personProportion + C.auctionProportion) {
    offset = C.auctionProportion - 1;
  } else {
    offset -= C.personProportion;
  }
  return epoch * C.auctionProportion + offset;
}

function nextBase0PersonId(eventId: number, r: SeededRandom): number {
  const numPeople = lastBase0PersonId(eventId) + 1;
  const activePeople = Math.min(numPeople, C.numActivePeople);
  return numPeople - activePeople + r.int(activePeople + C.idLead);
}

function nextBase0AuctionId(eventId: number, r: SeededRandom): number {
  const maxAuction = lastBase0AuctionId(eventId);
  const minAuction = Math.max(maxAuction - C.numInFlightAuctions, 0);
  return minAuction + r.int(maxAuction - minAuction + 1 + C.idLead);
}

const nextPrice = (r: SeededRandom): number => Math.round(10 ** (r.next() * 6) * 100);

export class NexmarkModel {
  private readonly interEventDelayUs: number;
  private readonly groupSize: number;
  private readonly multiplier: number;
  private readonly random = new SeededRandom(0);

  constructor(private readonly options: NexmarkModelOptions) {
    this.interEventDelayUs = 1e6 / options.eventsPerSecondOfEventTime;
    this.groupSize = Math.floor((options.outOfOrderness * 1000) / this.interEventDelayUs) + 1;
    this.multiplier = PERMUTATION_MULTIPLIERS.find((m) => this.groupSize % m !== 0)!;
  }

  timestampForEvent(eventNumber: number): number {
    return this.options.startTime + Math.floor(Math.floor(eventNumber * this.interEventDelayUs) / 1000);
  }

  /** The event number carried at stream position m (the out-of-order permutation inside groups). */
  eventNumberAt(position: number): number {
    const g = this.groupSize;
    if (g === 1) return position;
    return Math.floor(position / g) * g + (((position % g) * this.multiplier) % g);
  }

  /** The event at stream position m. */
  eventAt(position: number): Record<string, unknown> {
    return this.event(this.eventNumberAt(position));
  }

  /** Event number n. */
  event(n: number): Record<string, unknown> {
    const r = this.random;
    r.reseed(hash32(this.options.seed, n));
    const dateTime = this.timestampForEvent(n);
    const rem = n % TOTAL;
    if (rem < C.personProportion) return this.person(n, r, dateTime);
    if (rem < C.personProportion + C.auctionProportion) return this.auction(n, r, dateTime);
    return this.bid(n, r, dateTime);
  }

  private person(n: number, r: SeededRandom, dateTime: number): Record<string, unknown> {
    const name = `${FIRST_NAMES[r.int(FIRST_NAMES.length)]} ${LAST_NAMES[r.int(LAST_NAMES.length)]}`;
    const emailAddress = `${nextString(r, 7)}@${nextString(r, 5)}.com`;
    const creditCard = `${CARD_GROUPS[r.int(10_000)]} ${CARD_GROUPS[r.int(10_000)]} ${CARD_GROUPS[r.int(10_000)]} ${CARD_GROUPS[r.int(10_000)]}`;
    const city = US_CITIES[r.int(US_CITIES.length)]!;
    const state = US_STATES[r.int(US_STATES.length)]!;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = nextExtra(r, size, C.avgPersonByteSize);
    return { kind: 'person', id: C.firstPersonId + lastBase0PersonId(n), name, emailAddress, creditCard, city, state, dateTime, extra };
  }

  private auction(n: number, r: SeededRandom, dateTime: number): Record<string, unknown> {
    const hotSeller = r.int(C.hotSellersRatio) > 0;
    const seller = C.firstPersonId + (hotSeller ? Math.floor(lastBase0PersonId(n) / C.hotBlock) * C.hotBlock : nextBase0PersonId(n, r));
    const category = C.firstCategoryId + r.int(C.numCategories);
    const initialBid = nextPrice(r);
    const eventsForAuctions = Math.floor((C.numInFlightAuctions * TOTAL) / C.auctionProportion);
    const horizonMs = this.timestampForEvent(n + eventsForAuctions) - dateTime;
    const expires = dateTime + 1 + r.int(Math.max(horizonMs * 2, 1));
    const itemName = nextString(r, 20);
    const description = nextString(r, 100);
    const reserve = initialBid + nextPrice(r);
    const extra = nextExtra(r, 8 + itemName.length + description.length + 40, C.avgAuctionByteSize);
    return {
      kind: 'auction',
      id: C.firstAuctionId + lastBase0AuctionId(n),
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller,
      category,
      extra,
    };
  }

  private bid(n: number, r: SeededRandom, dateTime: number): Record<string, unknown> {
    const hotAuction = r.int(C.hotAuctionRatio) > 0;
    const auction = C.firstAuctionId + (hotAuction ? Math.floor(lastBase0AuctionId(n) / C.hotBlock) * C.hotBlock : nextBase0AuctionId(n, r));
    const hotBidder = r.int(C.hotBiddersRatio) > 0;
    const bidder = C.firstPersonId + (hotBidder ? Math.floor(lastBase0PersonId(n) / C.hotBlock) * C.hotBlock + 1 : nextBase0PersonId(n, r));
    const price = nextPrice(r);
    const { channel, url } = nextChannel(r);
    const extra = nextExtra(r, 32, C.avgBidByteSize);
    return { kind: 'bid', auction, bidder, price, channel, url, dateTime, extra };
  }
}
