/**
 * What the Kafka benchmark feeds and how its clients are tuned, shared by the plain node-rdkafka runs and the
 * Flywheel jobs so both do the same work with the same client settings.
 */
export interface BenchEvent {
  user: string;
  ts: number;
  amount: number;
  cents?: number;
}

/** The filter of the stateless job and of the plain passthrough: keeps amounts above 9 (90% of events). */
export const keepsEvent = (e: BenchEvent): boolean => e.amount > 9;

/** Consumer settings: prefetch deep, fetch big batches, answer fetches quickly. */
export const CONSUMER_TUNING = { 'queued.min.messages': 100_000, 'fetch.wait.max.ms': 10, 'max.partition.fetch.bytes': 4_194_304 } as const;

/** Producer settings: big batches after a short linger; idempotence and delivery reports as Flywheel's sink has. */
export const PRODUCER_TUNING = { 'linger.ms': 5, 'batch.num.messages': 10_000 } as const;

/** `count` events over `users` users, event time advancing 1 ms per event from `start`, amounts 0..99. */
export function benchEvents(count: number, users: number, start: number): BenchEvent[] {
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, (_, i) => ({ user: `u${Math.floor(next() * users)}`, ts: start + i, amount: Math.floor(next() * 100) }));
}

/** Outputs of the windowed job over `events`: one per (user, window) pair. */
export function windowCount(events: readonly BenchEvent[], windowMs: number): number {
  return new Set(events.map((e) => `${e.user}|${Math.floor(e.ts / windowMs)}`)).size;
}
