/**
 * The plain baseline of the campaign benchmark, in a process of its own: the same generated events at the same
 * pace, the same decision and contact code (the campaignDecisions and contactRules processors, called directly on
 * a Map of per-user state), the template copy, and one POST per sent action to the same receiver, in one loop with
 * no runtime: no threads, no state store, no commits, no batching. Timers fire as the deployment's do, when the
 * watermark (the largest event time seen less the source's 2 s bound) passes them, so both wait the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FiredTimer, ProcessContext } from '../../src/api/types.js';
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { parseEvent, type BehaviourEvent } from '../../src/jobs/events/parse-event.js';
import { campaignDecisions, contactRules } from '../../src/jobs/actions/processors.js';
import { httpSender } from '../../src/operators/http-send.js';
import { childOptions, sendResult } from '../child-process.js';

export interface PlainLoopOptions {
  url: string;
  rules: string;
  users: number;
  eventsPerSecond: number;
  inactiveForMs: number;
  seconds: number;
}

const MAX_OUT_OF_ORDERNESS = 2_000;
const TEMPLATE = (coupon: unknown) => `We miss you: ${coupon}% off your next order.`;

const o = childOptions<PlainLoopOptions>();
const decisions = campaignDecisions({ rules: o.rules, campaign: 'win-back', inactiveFor: o.inactiveForMs, rollout: 'coupon-policy-v2' });
const contact = contactRules({ rules: o.rules });
const state = new Map<string, unknown>();
/** Pending timers, sorted by time (binary insertion); a timer deleted since is skipped when it comes up. */
const pending: Array<{ time: number; key: string }> = [];
const registered = new Map<string, Set<number>>();
const sender = httpSender();
const target = new URL(o.url);
let sent = 0;

function contextFor(key: string, timestamp: number, emit: (value: unknown, ts?: number) => void): ProcessContext<unknown> {
  const cell = (name: string) => ({
    get: () => state.get(`${key}\0${name}`),
    set: (value: unknown) => void state.set(`${key}\0${name}`, value),
    clear: () => void state.delete(`${key}\0${name}`),
  });
  return {
    key,
    timestamp,
    watermark: 0,
    state: cell,
    timers: {
      register: (time: number) => {
        const set = registered.get(key) ?? new Set<number>();
        registered.set(key, set.add(time));
        let lo = 0;
        for (let hi = pending.length; lo < hi; ) {
          const mid = (lo + hi) >> 1;
          if (pending[mid]!.time <= time) lo = mid + 1;
          else hi = mid;
        }
        pending.splice(lo, 0, { time, key });
      },
      delete: (time: number) => void registered.get(key)?.delete(time),
    },
    emit,
    sideOutput: () => {},
  } as unknown as ProcessContext<unknown>;
}

function send(action: Record<string, unknown>, ts: number): void {
  const withCopy = { ...action, copy: TEMPLATE((action.offer as { coupon: unknown }).coupon), copyFallback: 'breaker' };
  contact.onRecord(
    withCopy,
    contextFor(String(action.userId), ts, (passed) => {
      sent++;
      const body = JSON.stringify(passed);
      void sender.send(target, 'POST', { 'content-type': 'application/json' }, body, new AbortController().signal).catch(() => {});
    }),
  );
}

function fireUpTo(watermark: number): void {
  while (pending.length > 0 && pending[0]!.time <= watermark) {
    const { time, key } = pending.shift()!;
    if (!registered.get(key)?.delete(time)) continue;
    const timer: FiredTimer = { time, namespace: 'silence' };
    decisions.onTimer!(
      timer,
      contextFor(key, time, (action, ts) => send(action as Record<string, unknown>, ts ?? time)),
    );
  }
}

const end = Date.now() + o.seconds * 1000;
let maxTs = 0;
const events = ecommerceEvents({
  seed: 1,
  users: o.users,
  items: 500,
  eventsPerSecondOfEventTime: o.eventsPerSecond,
  startTime: Date.now(),
  outOfOrderness: 1000,
  badFraction: 0.0005,
  experiments: [
    {
      id: 'coupon-policy-v2',
      randomized: true,
      compliance: 1,
      confounding: 1,
      variants: [
        { name: 'control', weight: 1, clickEffect: 0, conversionEffect: 0, revenueEffect: 0 },
        { name: 'treatment', weight: 1, clickEffect: 0, conversionEffect: 0.8, revenueEffect: 0 },
      ],
    },
  ],
});
for (const raw of events) {
  if (Date.now() >= end) break;
  let event: BehaviourEvent;
  try {
    event = parseEvent(raw);
  } catch {
    continue;
  }
  // Paced as the deployment's source: an event is read at its own time on the wall clock.
  if (event.ts > Date.now()) await sleep(event.ts - Date.now());
  decisions.onRecord(
    event,
    contextFor(event.userId, event.ts, () => {}),
  );
  maxTs = Math.max(maxTs, event.ts);
  fireUpTo(maxTs - MAX_OUT_OF_ORDERNESS);
}
sendResult({ sent });
