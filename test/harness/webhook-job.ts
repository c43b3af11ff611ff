/**
 * A YAML job for webhook sink tests, written into a directory of its own: JSON-lines events keyed by user into a
 * running count and sum per user (keyed state, so its outputs go through the outbox), each update sent by the sink
 * `out` to a webhook at ${HOOK_URL}/hook with a bearer token from ${HOOK_TOKEN}; a file dead-letter sink `dlq.jsonl`
 * is the job's deadLetter unless left out.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyedTopology } from './keyed-topology.js';

const processor = `export const runningTotal = {
  onRecord(event, ctx) {
    const s = ctx.state('running');
    const prev = s.get() ?? { count: 0, sum: 0 };
    const next = { count: prev.count + 1, sum: prev.sum + event.n };
    s.set(next);
    ctx.emit({ user: event.user, n: event.n, ...next });
  },
};
`;

export interface WebhookJob {
  records: number;
  /** The webhook connector's further options, as YAML flow mapping entries. */
  options?: string;
  deadLetter?: boolean;
  /** More runtime settings, as YAML flow mapping entries. */
  runtime?: string;
}

/** Writes in.jsonl, running.js and topology.yaml into `dir`; returns the topology's path. */
export function writeWebhookJob(dir: string, job: WebhookJob): string {
  const input = Array.from({ length: job.records }, (_, n) => JSON.stringify({ user: `u${n % 37}`, ts: 1_000 + n, n }));
  writeFileSync(join(dir, 'in.jsonl'), input.join('\n') + '\n');
  writeFileSync(join(dir, 'running.js'), processor);
  const topology = keyedTopology({
    name: 'webhook-job',
    source: '{ type: file, path: ./in.jsonl }',
    runtime: `slots: 4, batch: { maxRecords: 256 }${job.runtime ? `, ${job.runtime}` : ''}`,
    middle: '  - id: running\n    op: process\n    processor: ./running.js#runningTotal\n',
    out: `{ type: webhook, url: "\${HOOK_URL}/hook", headers: { Authorization: "Bearer \${HOOK_TOKEN}" }${job.options ? `, ${job.options}` : ''} }`,
    deadLetter: job.deadLetter ?? true,
  });
  writeFileSync(join(dir, 'topology.yaml'), topology);
  return join(dir, 'topology.yaml');
}
