/**
 * `npm run bench -- <name> [options]`: runs a benchmark, prints one JSON line per figure, and appends them (with the
 * command, the machine and the time) to bench/results.jsonl.
 *   nexmark [--events N] [--queries q1,q2,q5,q7] [--runs R] [--workers 1,2] [--latency-seconds S]
 *   experiments [--users N] [--events N] [--experiments K] [--runs R] [--workers 1,2] [--latency-seconds S] [--latency-rate R]
 */
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentsBench } from './experiments/bench.js';
import { nexmarkBench } from './nexmark/bench.js';

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
  case 'experiments':
    await experimentsBench(
      {
        users: Number(option(args, 'users', '1000000')),
        events: Number(option(args, 'events', '1000000')),
        experiments: Number(option(args, 'experiments', '10')),
        runs: Number(option(args, 'runs', '1')),
        workers: option(args, 'workers', '2').split(',').map(Number),
        latencySeconds: Number(option(args, 'latency-seconds', '60')),
        latencyRate: Number(option(args, 'latency-rate', '1000')),
      },
      report,
    );
    break;
  default:
    process.stderr.write(`unknown benchmark '${name ?? ''}'; available: nexmark, experiments\n`);
    process.exitCode = 1;
}
