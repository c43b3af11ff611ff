/**
 * The cost of the record limits on the source path: the same payloads decoded with the limits checked (as the
 * file and Kafka sources do) and without (decodeRecord with no limits), side by side in one process. Each round
 * decodes every payload both ways in chunks of CHUNK events, the two ways alternating chunk by chunk, so that load
 * from other processes (which comes and goes over seconds) falls on both alike. Each chunk decodes new Buffer
 * objects over the payloads' bytes, as each Kafka message is a new Buffer (msgpackr keeps a DataView on a buffer
 * it decoded, which a reused buffer would not pay for again). Figures: events per CPU second of this process
 * (user + system) over all rounds, and the median over rounds of each round's ratio, per payload kind and format.
 * Payloads: the generator's shop events as JSON (about 200 bytes, mostly short enough to need no scan), Nexmark
 * events as JSON, and orders of about 1.3 KB with a nested list of lines (long enough that every byte is scanned),
 * each also as msgpack (checked on the decoded value).
 */
import { Packr } from 'msgpackr';
import { Undecodable } from '../../src/connectors/connector.js';
import { ecommerceEvents } from '../../src/connectors/generator/generator-source.js';
import { nexmarkEvents } from '../../src/connectors/generator/nexmark-source.js';
import { decodeRecord, type RecordFormat } from '../../src/connectors/record-decode.js';
import { DEFAULT_RECORD_LIMITS } from '../../src/connectors/record-limits.js';

export interface RecordLimitsOptions {
  events: number;
  rounds: number;
}

const packr = new Packr({ useRecords: false });

function orders(count: number): object[] {
  return Array.from({ length: count }, (_, i) => ({
    orderId: `o-${i}`,
    userId: `u-${i % 9973}`,
    ts: 1_767_225_600_000 + i * 10,
    address: { street: `${i % 400} Long Street`, city: 'Springfield', zip: String(10_000 + (i % 89_999)), geo: { lat: 52.1 + (i % 100) / 1000, lon: 4.3 } },
    lines: Array.from({ length: 8 }, (_, j) => ({ itemId: `i-${(i * 7 + j) % 5000}`, qty: 1 + (j % 3), price: 9.99 + j, tags: ['promo', 'fast-shipping'] })),
  }));
}

function payloads(events: number): Array<{ kind: string; values: object[] }> {
  const shop: object[] = [];
  for (const r of ecommerceEvents({ count: events, partitions: 1, badFraction: 0 })) if (!(r instanceof Undecodable)) shop.push(r as object);
  const nexmark: object[] = [];
  for (const e of nexmarkEvents({ count: events })) nexmark.push(e);
  return [
    { kind: 'shop events', values: shop },
    { kind: 'nexmark events', values: nexmark },
    { kind: 'orders (1.3 KB)', values: orders(events) },
  ];
}

/** Events per chunk: a few milliseconds of decoding, short against changes in the machine's load. */
const CHUNK = 1_000;

/** New Buffer objects over the same bytes, made before a chunk is timed. */
function freshViews(buffers: Buffer[]): Buffer[] {
  return buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Decodes each buffer once; returns the CPU seconds it took. */
function decodeAll(buffers: Buffer[], format: RecordFormat, limited: boolean): number {
  const limits = limited ? DEFAULT_RECORD_LIMITS : null;
  const start = process.cpuUsage();
  let errors = 0;
  for (const b of buffers) if ('error' in decodeRecord(b, format, limits)) errors++;
  const used = process.cpuUsage(start);
  if (errors > 0) throw new Error(`${errors} payloads did not decode`);
  return (used.user + used.system) / 1e6;
}

/** One round: every buffer decoded both ways, chunk by chunk, the way that goes first alternating; CPU seconds of each way. */
function round(buffers: Buffer[], format: RecordFormat): { without: number; with: number } {
  const seconds = { without: 0, with: 0 };
  for (let from = 0, chunk = 0; from < buffers.length; from += CHUNK, chunk++) {
    const part = buffers.slice(from, from + CHUNK);
    for (const which of chunk % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
      seconds[which] += decodeAll(freshViews(part), format, which === 'with');
    }
  }
  return seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function recordLimitsBench(o: RecordLimitsOptions, report: (figure: object) => void): Promise<void> {
  for (const { kind, values } of payloads(o.events)) {
    for (const format of ['json', 'msgpack'] as const) {
      const buffers = values.map((v) => (format === 'json' ? Buffer.from(JSON.stringify(v)) : Buffer.from(packr.pack(v))));
      const bytes = buffers.reduce((n, b) => n + b.length, 0) / buffers.length;
      // One unmeasured round first, so both paths are compiled before anything counts.
      round(buffers, format);
      const ratios: number[] = [];
      const total = { without: 0, with: 0 };
      for (let r = 0; r < o.rounds; r++) {
        const seconds = round(buffers, format);
        ratios.push(seconds.without / seconds.with);
        total.without += seconds.without;
        total.with += seconds.with;
      }
      const events = buffers.length * o.rounds;
      report({
        bench: 'record-limits',
        payload: kind,
        format,
        meanBytes: Math.round(bytes),
        events: buffers.length,
        rounds: o.rounds,
        eventsPerCpuSecondWithout: Math.round(events / total.without),
        eventsPerCpuSecondWith: Math.round(events / total.with),
        ratio: Number(median(ratios).toFixed(3)),
        roundRatios: ratios.map((x) => Number(x.toFixed(3))),
      });
    }
  }
}
