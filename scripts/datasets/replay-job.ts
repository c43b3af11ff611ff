/**
 * The experiment job that replays a dataset from Kafka: a bounded Kafka source (msgpack events) -> parse (bad
 * records to the dead-letter topic) -> stage 1 by user -> stage 2 by experiment -> reports to a results topic.
 * Worker threads import this module and rebuild the same graph, so its settings come from the environment
 * (FLYWHEEL_REPLAY: JSON of brokers, topics and the experiment options), which workers inherit.
 */
import { kafkaSink, kafkaSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import type { JobGraph } from '../../src/graph/model.js';
import { parseEvent } from '../../src/jobs/events/parse-event.js';
import type { ExperimentOptions } from '../../src/jobs/experiments/experiment-options.js';
import { experimentEstimates, experimentUsers } from '../../src/jobs/experiments/processors.js';

export interface ReplaySettings {
  brokers: string;
  events: string;
  results: string;
  deadLetters: string;
  options: ExperimentOptions;
}

export const REPLAY_ENV = 'FLYWHEEL_REPLAY';

export function buildReplayJob(s: ReplaySettings): JobGraph {
  return job('experiments-replay', (j) => {
    j.source<{ ts: number }>('events', kafkaSource({ topic: s.events, brokers: s.brokers, format: 'msgpack', bounded: true }), {
      eventTime: { field: 'ts', maxOutOfOrderness: 1_000 },
    })
      .map('parse', parseEvent, { onError: 'deadLetter' })
      .keyBy('by-user', 'userId')
      .process('experiment-users', experimentUsers(s.options), { onError: 'deadLetter' })
      .keyBy('by-experiment', 'experiment')
      .process('experiment-estimates', experimentEstimates(s.options))
      .sink('results', kafkaSink({ topic: s.results, brokers: s.brokers }));
    j.deadLetter('dead-letters', kafkaSink({ topic: s.deadLetters, brokers: s.brokers }));
  });
}

/** The graph worker threads rebuild from the settings in their environment (absent when none are set). */
const inherited = process.env[REPLAY_ENV];
export const replayJob: JobGraph | undefined = inherited ? buildReplayJob(JSON.parse(inherited) as ReplaySettings) : undefined;
