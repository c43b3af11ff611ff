/**
 * Plain single-threaded baselines of the Nexmark joins, with the same semantics as the Flywheel jobs: q3 keeps each
 * seller and the auctions waiting for their seller in maps; q8 keeps per 10 s window the persons and auction counts by
 * person id and fires a window once the watermark (highest event time minus 4 s) passes its end.
 */
import { fireDue, tumblingEnd, type Emit } from './baseline-windows.js';
import { isQ3Input, newUserOf, newUserWindow, personKey, type NewUserWindow, type SellerAuction } from './joins.js';
import { NEXMARK_WATERMARK_DELAY, type NexmarkEvent, type Person } from './model.js';

export function baselineQ3(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const sellers = new Map<number, Person>();
  const waiting = new Map<number, number[]>();
  const out = (p: Person, id: number, ts: number) => emit({ name: p.name, city: p.city, state: p.state, id } satisfies SellerAuction, ts);
  for (const e of events) {
    if (!isQ3Input(e)) continue;
    if (e.kind === 'person') {
      sellers.set(e.id, e);
      for (const id of waiting.get(e.id) ?? []) out(e, id, e.dateTime);
      waiting.delete(e.id);
    } else if (e.kind === 'auction') {
      const seller = sellers.get(e.seller);
      if (seller) out(seller, e.id, e.dateTime);
      else waiting.set(e.seller, [...(waiting.get(e.seller) ?? []), e.id]);
    }
  }
}

export function baselineQ8(events: Iterable<NexmarkEvent>, emit: Emit): void {
  const windows = new Map<number, Map<number, NewUserWindow>>();
  let maxTs = -Infinity;
  let fired = -Infinity;
  const fire = (end: number, byPerson: Map<number, NewUserWindow>) => {
    for (const w of byPerson.values()) {
      const user = newUserOf(w, end - 10_000);
      if (user) emit(user, end - 1);
    }
  };
  for (const e of events) {
    if (e.kind !== 'person' && e.kind !== 'auction') continue;
    if (e.dateTime > maxTs) maxTs = e.dateTime;
    const end = tumblingEnd(e.dateTime, 10_000);
    if (end - 1 > fired) {
      let byPerson = windows.get(end);
      if (!byPerson) windows.set(end, (byPerson = new Map()));
      const key = personKey(e);
      byPerson.set(key, newUserWindow.add(byPerson.get(key) ?? newUserWindow.create(), e));
    }
    const watermark = maxTs - NEXMARK_WATERMARK_DELAY;
    if (watermark > fired) {
      fireDue(windows, watermark, fire);
      fired = watermark;
    }
  }
  fireDue(windows, Infinity, fire);
}
