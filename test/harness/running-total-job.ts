/**
 * A YAML job for restart tests, written into a directory of its own: JSON-lines events from `events.jsonl` keyed by
 * user into a running count and sum per user (value state `running` of step `running`), and the totals those
 * events must give, computed here without the job, to compare with what the state holds after the runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Totals } from '../runtime/fixtures/jobs.js';

export interface RunningEvent {
  user: string;
  ts: number;
  amount: number;
}

const processor = `export const runningTotal = {
  onRecord(event, ctx) {
    const s = ctx.state('running');
    const prev = s.get() ?? { count: 0, sum: 0 };
    s.set({ count: prev.count + 1, sum: prev.sum + event.amount });
  },
};
`;

/** A variant of the job: another `runningTotal` processor module, more runtime settings (YAML flow entries). */
export interface RunningTotalVariant {
  processor?: string;
  runtime?: string;
}

/** Writes events.jsonl, running.js and topology.yaml into `dir`; returns the topology's path. */
export function writeRunningTotalJob(dir: string, events: readonly RunningEvent[], stateDir: string, variant: RunningTotalVariant = {}): string {
  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(join(dir, 'running.js'), variant.processor ?? processor);
  const topology = `
name: running-total
deadLetter: dlq
runtime: { workers: 1, slots: 2, stateDir: ${stateDir}, batch: { maxRecords: 512 }${variant.runtime ? `, ${variant.runtime}` : ''} }
steps:
  - id: events
    op: source
    connector: { type: file, path: ./events.jsonl }
    eventTime: { field: ts }
  - id: by-user
    op: keyBy
    field: user
  - id: running
    op: process
    processor: ./running.js#runningTotal
  - id: dlq
    op: sink
    from: []
    connector: { type: file, path: ./dlq.jsonl }
`;
  writeFileSync(join(dir, 'topology.yaml'), topology);
  return join(dir, 'topology.yaml');
}

export function expectedTotals(events: readonly RunningEvent[]): Map<string, Totals> {
  const expected = new Map<string, Totals>();
  for (const e of events) {
    const s = expected.get(e.user) ?? { count: 0, sum: 0 };
    expected.set(e.user, { count: s.count + 1, sum: s.sum + e.amount });
  }
  return expected;
}
