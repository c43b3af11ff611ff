/**
 * The YAML topology most record tests run: a source `events` keyed by `user` (unless `keyed` is false) into a file
 * sink `out.jsonl` beside the topology (unless `out` names another connector), with a dead-letter sink `dlq` (a file
 * `dlq.jsonl` unless given), unless `deadLetter` is false (then the job has none). Steps may be
 * put between the keyBy and `out` (`middle`) and after `out` (`after`), as YAML list items.
 */
export interface KeyedTopology {
  name: string;
  /** The source's connector, as a YAML flow mapping. */
  source: string;
  eventTime?: string;
  stateDir?: string;
  keyed?: boolean;
  middle?: string;
  after?: string;
  dlq?: string;
  /** The `out` sink's connector, as a YAML flow mapping. */
  out?: string;
  deadLetter?: boolean;
  /** More runtime settings, as YAML flow mapping entries. */
  runtime?: string;
}

export function keyedTopology(t: KeyedTopology): string {
  const keyBy = t.keyed === false ? '' : '  - id: by-user\n    op: keyBy\n    field: user\n';
  return `name: ${t.name}
${t.deadLetter === false ? '' : 'deadLetter: dlq\n'}runtime: { workers: 1, stateDir: ${t.stateDir ?? './state'}${t.runtime ? `, ${t.runtime}` : ''} }
steps:
  - id: events
    op: source
    connector: ${t.source}
    eventTime: ${t.eventTime ?? '{ field: ts }'}
${keyBy}${t.middle ?? ''}  - id: out
    op: sink
    connector: ${t.out ?? '{ type: file, path: ./out.jsonl }'}
${t.after ?? ''}${
  t.deadLetter === false
    ? ''
    : `  - id: dlq
    op: sink
    from: []
    connector: ${t.dlq ?? '{ type: file, path: ./dlq.jsonl }'}
`
}`;
}
