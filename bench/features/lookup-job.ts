/**
 * The job behind the feature lookup benchmark: generated shop events -> parse -> user features -> discard. Its size
 * comes from FEATURES_BENCH_OPTIONS (JSON: users, count) in the environment, which worker threads share, so every
 * thread builds the same graph.
 */
import { discardSink, generatorSource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import { generatorOptionsSchema } from '../../src/connectors/generator/generator-source.js';
import { validateAgainst } from '../../src/graph/schema-validator.js';
import { parseEvent } from '../../src/jobs/events/parse-event.js';
import { userFeatures } from '../../src/jobs/features/processors.js';

const { users, count } = JSON.parse(process.env.FEATURES_BENCH_OPTIONS ?? '{"users":20000,"count":300000}') as { users: number; count: number };

// A TypeScript job's connector options are not validated at load as a topology's are: fill the defaults here.
const generator = { seed: 1, users, items: 5000, count, eventsPerSecondOfEventTime: 200, outOfOrderness: 2000 };
const problem = validateAgainst(generatorOptionsSchema, generator);
if (problem) throw new Error(`generator options: ${problem.path.join('.')} ${problem.message}`);

export const lookupJob = job('features-lookup', (j) => {
  j.source<{ ts: number }>('events', generatorSource(generator), { eventTime: { field: 'ts', maxOutOfOrderness: 5_000 } })
    .map('parse', parseEvent)
    .keyBy('by-user', 'userId')
    .process('user-features', userFeatures())
    .sink('changes', discardSink());
});
