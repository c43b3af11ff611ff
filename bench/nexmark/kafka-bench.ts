/**
 * The Nexmark queries Kafka-in Kafka-out against the dev broker, which runs in its own process (a fresh one per
 * measurement): for each query, the raw client (a bare consumer reading the same input, the most the client and the
 * broker allow) and Flywheel with 1 and 2 worker threads, each in a fresh process (measure-kafka-query.ts) while a
 * traffic process produces the events paced by the reader and counts the output topic. Reports one figure per query
 * and implementation; CPU and memory are those of the reading process (job or raw client) alone.
 */
import { fileURLToPath } from 'node:url';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';
import { runChild } from '../child-process.js';
import { rateFigures, type RateFigures } from '../job-figures.js';
import type { KafkaQueryResult, KafkaQueryRun } from './measure-kafka-query.js';

const script = fileURLToPath(new URL('./measure-kafka-query.js', import.meta.url));
/** What the traffic process may produce ahead of the reader, per partition: well inside the broker's ~5 MiB. */
const AHEAD_BYTES = 2 * 2 ** 20;

export interface KafkaBenchOptions {
  events: number;
  queries: string[];
  workers: number[];
}

export interface KafkaFigure extends RateFigures {
  bench: 'nexmark-kafka';
  query: string;
  impl: string;
  read: number;
  outputs: number | null;
  expectedOutputs: number | null;
  outputGaps: number | null;
  ofRawClientRate: number | null;
}

async function measureOnce(query: string, workers: number, events: number): Promise<KafkaQueryResult> {
  const broker = await spawnDevBroker({ topics: [`nexmark-${query}-in`, `nexmark-${query}-out`] });
  try {
    return await runChild<KafkaQueryResult>(script, {
      query,
      workers,
      events,
      bootstrap: broker.bootstrap,
      aheadBytes: AHEAD_BYTES,
      stallSeconds: 30,
    } satisfies KafkaQueryRun);
  } finally {
    await broker.stop();
  }
}

export async function nexmarkKafkaBench(o: KafkaBenchOptions, report: (f: KafkaFigure) => void): Promise<KafkaFigure[]> {
  const figures: KafkaFigure[] = [];
  for (const query of o.queries) {
    let rawRate = 0;
    for (const workers of [0, ...o.workers]) {
      const r = await measureOnce(query, workers, o.events);
      const rate = rateFigures(o.events, r).eventsPerSecond;
      if (workers === 0) rawRate = rate;
      const flywheel = workers > 0;
      const figure: KafkaFigure = {
        bench: 'nexmark-kafka',
        query,
        impl: flywheel ? `flywheel-${workers}` : 'raw-client',
        ...rateFigures(o.events, r),
        read: r.read,
        outputs: flywheel ? r.outputs : null,
        expectedOutputs: flywheel ? r.expectedOutputs : null,
        outputGaps: flywheel ? r.outputGaps : null,
        ofRawClientRate: flywheel && rawRate > 0 ? Number((rate / rawRate).toFixed(2)) : null,
      };
      figures.push(figure);
      report(figure);
    }
  }
  return figures;
}
