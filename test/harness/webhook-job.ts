/**
 * A YAML job for webhook sink tests, written into a directory of its own: JSON-lines events keyed by user into a
 * running count and sum per user (keyed state, so its outputs go through the outbox), each update sent to a webhook
 * at ${HOOK_URL}/hook with a bearer token from ${HOOK_TOKEN}; a file dead-letter sink `dlq.jsonl` unless left out.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
  const dlq = job.deadLetter === false ? '' : '  - id: dlq\n    op: sink\n    from: []\n    connector: { type: file, path: ./dlq.jsonl }\n';
  const topology = `name: webhook-job
${job.deadLetter === false ? '' : 'deadLetter: dlq\n'}runtime: { workers: 1, slots: 4, stateDir: ./state, batch: { maxRecords: 256 }${job.runtime ? `, ${job.runtime}` : ''} }
steps:
  - id: events
    op: source
    connector: { type: file, path: ./in.jsonl }
    eventTime: { field: ts }
  - id: by-user
    op: keyBy
    field: user
  - id: running
    op: process
    processor: ./running.js#runningTotal
  - id: notify
    op: sink
    connector: { type: webhook, url: "\${HOOK_URL}/hook", headers: { Authorization: "Bearer \${HOOK_TOKEN}" }${job.options ? `, ${job.options}` : ''} }
${dlq}`;
  writeFileSync(join(dir, 'topology.yaml'), topology);
  return join(dir, 'topology.yaml');
}
