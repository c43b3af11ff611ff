/**
 * The join logic of Nexmark q3 and q8, shared by the Flywheel jobs and their plain baselines:
 * - q3, incremental join (Nexmark reference Query3): sellers in OR, ID or CA and their auctions of category 10, keyed
 *   by person id with state on both sides: the person once seen, and the auctions that arrived before their seller;
 * - q8, new users: a person and at least one auction of theirs in the same 10 s tumbling window, as an accumulator of
 *   one window of one person id.
 */
import type { Aggregator, KeyedProcessor } from '../../src/api/types.js';
import type { Auction, NexmarkEvent, Person } from './model.js';

const Q3_STATES = new Set(['OR', 'ID', 'CA']);
const Q3_CATEGORY = 10;

export interface SellerAuction {
  name: string;
  city: string;
  state: string;
  id: number;
}

/** The events q3 joins: persons of the three states and auctions of category 10. */
export const isQ3Input = (e: NexmarkEvent): boolean => (e.kind === 'person' && Q3_STATES.has(e.state)) || (e.kind === 'auction' && e.category === Q3_CATEGORY);

/** The join key of q3 and q8: a person's id, an auction's seller. */
export const personKey = (e: NexmarkEvent): number => (e.kind === 'person' ? e.id : (e as Auction).seller);

type Seller = Pick<Person, 'name' | 'city' | 'state'>;

export const incrementalJoin: KeyedProcessor<Person | Auction, SellerAuction> = {
  onRecord(e, ctx) {
    const seller = ctx.state<Seller>('person');
    const waiting = ctx.mapState<number>('auctions');
    if (e.kind === 'person') {
      seller.set({ name: e.name, city: e.city, state: e.state });
      for (const [entry, id] of waiting.entries()) {
        ctx.emit({ name: e.name, city: e.city, state: e.state, id });
        waiting.delete(entry);
      }
      return;
    }
    const s = seller.get();
    if (s) ctx.emit({ name: s.name, city: s.city, state: s.state, id: e.id });
    else waiting.set(String(e.id), e.id);
  },
};

export interface NewUser {
  id: number;
  name: string;
  starttime: number;
}

export interface NewUserWindow {
  person: { id: number; name: string } | null;
  auctions: number;
}

export const newUserWindow: Aggregator<Person | Auction, NewUserWindow, NewUserWindow> = {
  create: () => ({ person: null, auctions: 0 }),
  add: (acc, e) => (e.kind === 'person' ? { person: { id: e.id, name: e.name }, auctions: acc.auctions } : { person: acc.person, auctions: acc.auctions + 1 }),
  merge: (a, b) => ({ person: a.person ?? b.person, auctions: a.auctions + b.auctions }),
  result: (acc) => acc,
};

/** The q8 row of a fired window, or null when the window lacks the person or their auctions. */
export function newUserOf(w: NewUserWindow, start: number): NewUser | null {
  return w.person && w.auctions > 0 ? { id: w.person.id, name: w.person.name, starttime: start } : null;
}
