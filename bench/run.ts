/**
 * `npm run bench -- <name> [options]`: runs a benchmark, prints one JSON line per figure, and appends them (with the
 * command, the machine and the time) to bench/results.jsonl.
 *   nexmark [--events N] [--queries q0,q1,q2,q3,q5,q7,q8,q11] [--runs R] [--workers 1,2] [--placements any,pinned] [--intakes main,workers] [--commit-intervals 0,100] [--in-thread] [--executors 1,2] [--latency-seconds S]
 *   nexmark-kafka [--events N] [--queries ...] [--workers 1,2]
 *   scaling [--keys 10000,100000,1000000,10000000] [--min-events N] [--workers W] [--rates 10000,...] [--rate-seconds S]
 *   ceiling [--events N] [--keys K] [--workers 1,2] [--intakes main,workers] [--runs R]
 *   features-throughput [--users U] [--events N] [--kafka-events K] [--runs R] [--workers 1,2] [--executors 1,2]
 *   features-serving [--users U] [--events N] [--rates 10000,20000] [--seconds S] [--connections C] [--servers thread,process,main,floor] [--client autocannon|wrk] [--query '?fields=..']
 *   lookup-vs-redis [--users U] [--job-rate 2000] [--rates 2000,5000,10000,15000,20000] [--seconds S] [--connections C] [--saturation-connections 64] [--isolation thread|process] [--processes 1,2]
 *   kafka [--events N] [--users U] [--runs R] [--workers W] [--latency-seconds S]
 *   kafka-mock [--groups G]
 *   lmdb-restarts [--trials N] [--reader-ms 50]   (0: no other process)
 *   flywheel-cpu [--rate 2000] [--event-time-rate R] [--max-delays 5,20,50,100] [--warmup-seconds 20] [--seconds 30] [--runs 1]
 *   record-limits [--events 200000] [--rounds 9]
 *   memory [--topologies topologies/flywheel.yaml,...] [--events N] [--nice 10] [--node-args '--flag ...']
 *   experiments [--users N] [--events N] [--experiments K] [--runs R] [--workers 1,2] [--latency-seconds S] [--latency-rate R]
 *   identity [--users N] [--events N] [--runs R] [--workers 1,2] [--placements any,pinned] [--floor]
 *   merge-following [--events N] [--runs R] [--workers W] [--logged-out]
 *   expectations [--events N] [--runs R]
 *   async-step [--latencies 1,50] [--capacity 100] [--events 1:20000,50:10000] [--workers 1]
 *   campaign [--decisions 1000] [--users 20000] [--warmup-seconds 20] [--seconds 40]
 */
import { appendFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncStepBench } from './async-step/bench.js';
import { campaignBench } from './campaign/bench.js';
import { experimentsBench } from './experiments/bench.js';
import { identityBench } from './identity/bench.js';
import { mergeFollowingBench } from './identity/merge-following.js';
import { expectationsBench } from './quality/bench.js';
import { featureServingBench } from './features/serving.js';
import { lookupVsRedisBench } from './features/lookup-vs-redis.js';
import type { QueryIsolation } from '../src/graph/runtime-settings.js';
import { featureThroughputBench } from './features/throughput.js';
import type { IntakePlacement } from '../src/graph/runtime-settings.js';
import type { SlotPlacement } from '../src/runtime/worker-pool.js';
import { jobCpuBench } from './model/job-cpu-bench.js';
import { nexmarkBench } from './nexmark/bench.js';
import { nexmarkKafkaBench } from './nexmark/kafka-bench.js';
import { ceilingBench } from './scaling/ceiling-bench.js';
import { scalingBench } from './scaling/scaling-bench.js';
import { kafkaBench } from './kafka/bench.js';
import { lmdbRestartsBench } from './lmdb-restarts/bench.js';
import { mockLimits } from './kafka/mock-limits.js';
import { recordLimitsBench } from './record-limits/bench.js';
import { memoryBench } from './memory/bench.js';

const resultsFile = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.jsonl');

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const [name, ...args] = process.argv.slice(2);
const num = (flag: string, fallback: number): number => Number(option(args, flag, String(fallback)));
const nums = (flag: string, fallback: string): number[] => option(args, flag, fallback).split(',').map(Number);
const ALL_QUERIES = 'q0,q1,q2,q3,q5,q7,q8,q11';
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
        events: num('events', 2_000_000),
        queries: option(args, 'queries', ALL_QUERIES).split(','),
        runs: num('runs', 3),
        workers: nums('workers', '1,2'),
        placements: option(args, 'placements', 'any').split(',') as SlotPlacement[],
        intakes: option(args, 'intakes', 'main').split(',') as IntakePlacement[],
        ...(args.includes('--commit-intervals') ? { commitIntervals: nums('commit-intervals', '') } : {}),
        inThread: args.includes('--in-thread'),
        executors: args.includes('--executors') ? nums('executors', '') : [],
        latencySeconds: num('latency-seconds', 10),
      },
      report,
    );
    break;
  case 'nexmark-kafka':
    await nexmarkKafkaBench(
      { events: num('events', 300_000), queries: option(args, 'queries', ALL_QUERIES).split(','), workers: nums('workers', '1,2') },
      report,
    );
    break;
  case 'scaling':
    await scalingBench(
      {
        keys: nums('keys', '10000,100000,1000000,10000000'),
        minEvents: num('min-events', 1_000_000),
        workers: num('workers', 2),
        rates: nums('rates', '10000,30000,100000'),
        rateKeys: num('rate-keys', 100_000),
        rateSeconds: num('rate-seconds', 10),
      },
      report,
    );
    break;
  case 'flywheel-cpu':
    await jobCpuBench(
      {
        rate: num('rate', 2000),
        eventTimeRate: args.includes('--event-time-rate') ? num('event-time-rate', 0) : undefined,
        maxDelays: nums('max-delays', '5,20,50,100'),
        warmupSeconds: num('warmup-seconds', 20),
        seconds: num('seconds', 30),
        runs: num('runs', 1),
      },
      report,
    );
    break;
  case 'ceiling':
    await ceilingBench(
      {
        events: num('events', 2_000_000),
        keys: num('keys', 100_000),
        workers: nums('workers', '1,2'),
        intakes: option(args, 'intakes', 'main,workers').split(',') as IntakePlacement[],
        runs: num('runs', 3),
      },
      report,
    );
    break;
  case 'features-throughput':
    await featureThroughputBench(
      {
        users: num('users', 20_000),
        events: num('events', 300_000),
        kafkaEvents: num('kafka-events', 60_000),
        runs: num('runs', 3),
        workers: nums('workers', '1,2'),
        executors: args.includes('--executors') ? nums('executors', '') : [],
      },
      report,
    );
    break;
  case 'features-serving':
    await featureServingBench(
      {
        users: num('users', 20_000),
        events: num('events', 4_000_000),
        rates: nums('rates', '10000'),
        seconds: num('seconds', 10),
        connections: num('connections', 20),
        servers: option(args, 'servers', 'thread,main').split(',') as Array<'thread' | 'process' | 'main' | 'floor'>,
        client: option(args, 'client', 'autocannon') as 'autocannon' | 'wrk',
        query: option(args, 'query', ''),
      },
      report,
    );
    break;
  case 'lookup-vs-redis':
    await lookupVsRedisBench(
      {
        users: num('users', 6_000),
        jobRate: num('job-rate', 2_000),
        rates: nums('rates', '2000,5000,10000,15000,20000'),
        seconds: num('seconds', 10),
        connections: num('connections', 20),
        saturationConnections: nums('saturation-connections', '64'),
        isolation: option(args, 'isolation', 'thread') as QueryIsolation,
        processes: nums('processes', '1'),
      },
      report,
    );
    break;
  case 'kafka':
    await kafkaBench(
      {
        events: num('events', 160_000),
        users: num('users', 1_000),
        runs: num('runs', 3),
        workers: num('workers', 2),
        latencySeconds: num('latency-seconds', 10),
      },
      report,
    );
    break;
  case 'kafka-mock':
    report(await mockLimits(num('groups', 3)));
    break;
  case 'record-limits':
    await recordLimitsBench({ events: num('events', 200_000), rounds: num('rounds', 9) }, report);
    break;
  case 'lmdb-restarts':
    report(await lmdbRestartsBench({ trials: num('trials', 200), readerMs: num('reader-ms', 50) }));
    break;
  case 'expectations':
    await expectationsBench({ events: num('events', 300_000), runs: num('runs', 3) }, report);
    break;
  case 'campaign':
    await campaignBench(
      { decisionsPerSecond: num('decisions', 1000), users: num('users', 20_000), warmupSeconds: num('warmup-seconds', 20), seconds: num('seconds', 40) },
      report,
    );
    break;
  case 'async-step':
    await asyncStepBench(
      {
        latencies: nums('latencies', '1,50'),
        capacity: num('capacity', 100),
        events: new Map(
          option(args, 'events', '1:20000,50:10000')
            .split(',')
            .map((pair) => pair.split(':').map(Number) as [number, number]),
        ),
        workers: num('workers', 1),
      },
      report,
    );
    break;
  case 'identity':
    await identityBench(
      {
        users: num('users', 100_000),
        events: num('events', 500_000),
        runs: num('runs', 3),
        workers: nums('workers', '1,2'),
        placements: option(args, 'placements', 'any').split(',') as SlotPlacement[],
        floor: args.includes('--floor'),
      },
      report,
    );
    break;
  case 'merge-following':
    await mergeFollowingBench(
      { events: num('events', 300_000), runs: num('runs', 3), workers: num('workers', 2), loggedOut: args.includes('--logged-out') },
      report,
    );
    break;
  case 'experiments':
    await experimentsBench(
      {
        users: num('users', 1_000_000),
        events: num('events', 1_000_000),
        experiments: num('experiments', 10),
        runs: num('runs', 1),
        workers: nums('workers', '2'),
        latencySeconds: num('latency-seconds', 60),
        latencyRate: num('latency-rate', 1000),
      },
      report,
    );
    break;
  case 'memory':
    await memoryBench(
      resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
      {
        topologies: option(args, 'topologies', 'topologies/flywheel.yaml,topologies/features.yaml,topologies/experiments.yaml').split(','),
        events: num('events', 10_000_000),
        niceness: num('nice', 10),
        nodeArgs: option(args, 'node-args', '').split(' ').filter(Boolean),
      },
      report,
    );
    break;
  default:
    process.stderr.write(
      `unknown benchmark '${name ?? ''}'; available: nexmark, nexmark-kafka, scaling, ceiling, flywheel-cpu, features-throughput, features-serving, lookup-vs-redis, kafka, kafka-mock, experiments, memory\n`,
    );
    process.exitCode = 1;
}
