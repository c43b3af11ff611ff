/**
 * The latest dead letters a job delivered, kept in memory on the main thread for the console: the job's dead-letter
 * sink is wrapped so that each record it acknowledges lands in a ring of the last CAPACITY, newest first. A page
 * of them shows where each came from and why (dead-letter-payload.ts) and leaves the record out unless asked for
 * (only an admin's route asks: a dead letter's record is the input as it came, personal data and all).
 * The ring starts empty at each start of the job: the dead-letter sink's destination is the lasting record.
 */
import type { SinkConnector, SinkRecord } from '../connectors/connector.js';
import type { DeadLetterOrigin } from './dead-letter-payload.js';

/** How many of the latest dead letters are kept. */
export const CAPACITY = 500;

export interface DeadLetterSummary extends DeadLetterOrigin {
  /** The output's deterministic id (the sink record's id). */
  id: string;
  /** Event time of the dead-lettered record (ms). */
  timestamp: number;
  /** Wall-clock time the sink acknowledged it (ms). */
  deliveredAt: number;
}

export interface DeadLetterEntry extends DeadLetterSummary {
  record: unknown;
  recordEncoding?: 'base64';
  recordOmitted?: string;
}

export interface DeadLetterQuery {
  offset: number;
  limit: number;
  /** One dead letter by id, with its record. */
  id?: string;
}

export interface DeadLetterPage {
  /** Dead letters delivered since the job started (also those no longer kept). */
  total: number;
  /** How many the ring holds now (at most CAPACITY). */
  kept: number;
  items: Array<DeadLetterSummary | DeadLetterEntry>;
}

function entryOf(record: SinkRecord, deliveredAt: number): DeadLetterEntry {
  const v = (typeof record.value === 'object' && record.value !== null ? record.value : {}) as Partial<DeadLetterEntry>;
  const entry: DeadLetterEntry = {
    id: record.id,
    timestamp: record.timestamp,
    deliveredAt,
    reason: typeof v.reason === 'string' ? v.reason : 'unknown reason',
    step: typeof v.step === 'string' ? v.step : 'unknown step',
    source: v.source ?? null,
    partition: v.partition ?? null,
    offset: v.offset ?? null,
    record: 'record' in v ? v.record : record.value,
  };
  if (v.recordEncoding) entry.recordEncoding = v.recordEncoding;
  if (v.recordOmitted) entry.recordOmitted = v.recordOmitted;
  return entry;
}

function summaryOf(entry: DeadLetterEntry): DeadLetterSummary {
  const { id, timestamp, deliveredAt, reason, step, source, partition, offset } = entry;
  return { id, timestamp, deliveredAt, reason, step, source, partition, offset };
}

export class RecentDeadLetters {
  private readonly ring: DeadLetterEntry[] = [];
  private next = 0;
  private delivered = 0;

  /** The dead-letter sink, recording what it acknowledges. */
  tap(sink: SinkConnector): SinkConnector {
    const write: SinkConnector['write'] = async (records) => {
      const refused = await sink.write(records);
      const now = Date.now();
      const kept = refused?.length ? records.filter((r) => !refused.some((x) => x.record === r)) : records;
      for (const record of kept) this.add(entryOf(record, now));
      return refused;
    };
    return {
      id: sink.id,
      destination: sink.destination,
      ...(sink.pipelined !== undefined ? { pipelined: sink.pipelined } : {}),
      ...(sink.health ? { health: () => sink.health!() } : {}),
      open: () => sink.open(),
      write,
      close: () => sink.close(),
    };
  }

  private add(entry: DeadLetterEntry): void {
    this.delivered++;
    if (this.ring.length < CAPACITY) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % CAPACITY;
  }

  /** Newest first. */
  private newestFirst(): DeadLetterEntry[] {
    const oldestFirst = this.ring.length < CAPACITY ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return [...oldestFirst].reverse();
  }

  /** A page, newest first, without records; or the one with `query.id`, with its record. */
  page(query: DeadLetterQuery): DeadLetterPage {
    const all = this.newestFirst();
    const items = query.id === undefined ? all.slice(query.offset, query.offset + query.limit).map(summaryOf) : all.filter((e) => e.id === query.id);
    return { total: this.delivered, kept: this.ring.length, items };
  }
}
