/** The Nexmark event shapes the queries read (as the nexmark generator emits them; `dateTime` is event time in ms). */

export interface Bid {
  kind: 'bid';
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  kind: 'auction';
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Person {
  kind: 'person';
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export type NexmarkEvent = Bid | Auction | Person;

/** Watermark delay of the Nexmark setup: event time minus 4 s. */
export const NEXMARK_WATERMARK_DELAY = 4_000;
