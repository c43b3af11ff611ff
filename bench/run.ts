/**
 * `npm run bench -- <name> [options]`: runs a benchmark, prints one JSON line per figure, and appends them (with the
 * command, the machine and the time) to bench/results.jsonl.
 *   nexmark [--events N] [--queries q1,q2,q5,q7] [--runs R] [--workers 1,2] [--latency-seconds S]
 *   features-throughput [--users U] [--events N] [--kafka-events K] [--runs R] [--workers 1,2]
 *   features-serving [--users U] [--events N] [--rates 10000,20000] [--seconds S] [--connections C] [--servers thread,main]
 *   kafka [--events N] [--users U] [--runs R] [--workers W] [--latency-seconds S]
 *   kafka-mock [--groups G]
 */
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { featureServingBench } from './features/serving.js';
import { featureThroughputBench } from './features/throughput.js';
import { nexmarkBench } from './nexmark/bench.js';
import { kafkaBench } from './kafka/bench.js';
import { mockLimits } from './kafka/mock-limits.js';

const resultsFile = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.jsonl');

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const [name, ...args] = process.argv.slice(2);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
const at = new Date().toISOString();
const report = (figure: object) => {
  const line = JSON.stringify({ ...figure, machine, command, at });
  process.stdout.write(line + '\n');
  appendFileSync(resultsFile, line + '\n');
};

switch (name) {
  case 'nexmark':
    await nexmarkBench(
      {
        events: Number(option(args, 'events', '2000000')),
        queries: option(args, 'queries', 'q1,q2,q5,q7').split(','),
        runs: Number(option(args, 'runs', '3')),
        workers: option(args, 'workers', '1,2').split(',').map(Number),
        latencySeconds: Number(option(args, 'latency-seconds', '10')),
      },
      report,
    );
    break;
  case 'features-throughput':
    await featureThroughputBench(
      {
        users: Number(option(args, 'users', '20000')),
        events: Number(option(args, 'events', '300000')),
        kafkaEvents: Number(option(args, 'kafka-events', '60000')),
        runs: Number(option(args, 'runs', '3')),
        workers: option(args, 'workers', '1,2').split(',').map(Number),
      },
      report,
    );
    break;
  case 'features-serving':
    await featureServingBench(
      {
        users: Number(option(args, 'users', '20000')),
        events: Number(option(args, 'events', '4000000')),
        rates: option(args, 'rates', '10000').split(',').map(Number),
        seconds: Number(option(args, 'seconds', '10')),
        connections: Number(option(args, 'connections', '20')),
        servers: option(args, 'servers', 'thread,main').split(',') as Array<'thread' | 'main'>,
      },
      report,
    );
    break;
  case 'kafka':
    await kafkaBench(
      {
        events: Number(option(args, 'events', '160000')),
        users: Number(option(args, 'users', '1000')),
        runs: Number(option(args, 'runs', '3')),
        workers: Number(option(args, 'workers', '2')),
        latencySeconds: Number(option(args, 'latency-seconds', '10')),
      },
      report,
    );
    break;
  case 'kafka-mock':
    report(await mockLimits(Number(option(args, 'groups', '3'))));
    break;
  default:
    process.stderr.write(`unknown benchmark '${name ?? ''}'; available: nexmark, features-throughput, features-serving, kafka, kafka-mock\n`);
    process.exitCode = 1;
}
