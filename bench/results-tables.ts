/**
 * `node dist/bench/results-tables.js RUN_AT...`: prints the figures of the given runs of bench/results.jsonl (each
 * run named by its `at` time stamp) as Markdown tables, one per Nexmark query and one per other benchmark, so
 * RESULTS.md quotes the file instead of copying numbers by hand.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Row = Record<string, unknown>;

const resultsFile = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.jsonl');
const runs = new Set(process.argv.slice(2));
const rows = readFileSync(resultsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row)
  .filter((r) => runs.has(String(r.at)));

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v));

function table(title: string, columns: Array<[string, string]>, list: Row[]): string {
  if (list.length === 0) return '';
  const head = `| ${columns.map(([, label]) => label).join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
  return `${title}\n\n${head}${list.map((r) => `| ${columns.map(([key]) => cell(r[key])).join(' | ')} |`).join('\n')}\n\n`;
}

const NEXMARK: Array<[string, string]> = [
  ['impl', 'implementation'],
  ['eventsPerSecond', 'events/s'],
  ['eventsPerCpuSecond', 'events/s per core'],
  ['cpuCores', 'cores used'],
  ['peakRssMiB', 'peak RSS MiB'],
  ['stateMiB', 'state MiB'],
  ['outputs', 'outputs'],
  ['pacedRate', 'paced at (events/s)'],
  ['pacedEventsPerSecond', 'paced achieved'],
  ['latencySamples', 'latency samples'],
  ['releasedEarly', 'released early'],
  ['p50LatencyMs', 'p50 ms'],
  ['p99LatencyMs', 'p99 ms'],
];
const KAFKA: Array<[string, string]> = [
  ['query', 'query'],
  ['impl', 'implementation'],
  ['eventsPerSecond', 'events/s'],
  ['ofRawClientRate', 'of raw client'],
  ['eventsPerCpuSecond', 'events/s per core'],
  ['cpuCores', 'cores used'],
  ['peakRssMiB', 'peak RSS MiB'],
  ['stateMiB', 'state MiB'],
  ['read', 'read'],
  ['outputs', 'outputs'],
  ['expectedOutputs', 'baseline outputs'],
  ['outputGaps', 'gaps'],
];
const SCALING: Array<[string, string]> = [
  ['sweep', 'sweep'],
  ['impl', 'implementation'],
  ['keys', 'keys'],
  ['rate', 'paced at'],
  ['events', 'events'],
  ['eventsPerSecond', 'events/s'],
  ['cpuMicrosPerEvent', 'CPU µs/event'],
  ['eventsPerBatch', 'events/batch'],
  ['peakRssMiB', 'peak RSS MiB'],
  ['stateMiB', 'state MiB'],
];
const CEILING: Array<[string, string]> = [
  ['impl', 'run'],
  ['events', 'events'],
  ['eventsPerSecond', 'events/s'],
  ['mainThreadMicrosPerEvent', 'main thread µs/event'],
  ['mainThreadCeiling', 'main-thread ceiling (events/s)'],
  ['otherThreadsMicrosPerEvent', 'workers + other threads µs/event'],
  ['cpuCores', 'cores used'],
  ['eventsPerBatch', 'events/batch'],
];

const LOOKUP: Array<[string, string]> = [
  ['phase', 'job'],
  ['server', 'server'],
  ['connections', 'connections'],
  ['offeredRate', 'offered req/s'],
  ['requestsPerSecond', 'achieved req/s'],
  ['p50', 'p50 ms'],
  ['p99', 'p99 ms'],
  ['cpuMicrosPerLookup', 'CPU µs/lookup'],
  ['serverCores', 'server cores'],
  ['jobEventsPerSecond', 'job events/s'],
  ['loadAverage1m', 'load avg 1m'],
];

let out = '';
const nexmark = rows.filter((r) => r.bench === 'nexmark');
for (const query of [...new Set(nexmark.map((r) => String(r.query)))])
  out += table(
    `#### ${query}`,
    NEXMARK,
    nexmark.filter((r) => r.query === query),
  );
out += table(
  '#### Kafka in, Kafka out',
  KAFKA,
  rows.filter((r) => r.bench === 'nexmark-kafka'),
);
out += table(
  '#### Scaling',
  SCALING,
  rows.filter((r) => r.bench === 'scaling'),
);
out += table(
  '#### Main-thread ceiling',
  CEILING,
  rows.filter((r) => r.bench === 'ceiling'),
);
const lookups = rows.filter((r) => r.bench === 'lookup-vs-redis').map((r) => ({ ...r, ...(r.latencyMs as Row) }));
out += table('#### GET /features/users/:id beside Redis + fastify', LOOKUP, lookups);
process.stdout.write(out);
