/**
 * The training benchmark's job: pre-labelled examples from a memory channel -> keyBy model -> the model step (the
 * real one: staging, ordered learning, weights in LMDB, progressive metrics, publication). Workers rebuild it.
 */
import { discardSink, memorySource } from '../../src/api/connectors.js';
import { job } from '../../src/api/job.js';
import { model } from '../../src/jobs/model/processors.js';
import type { TrainingExample } from '../../src/jobs/model/training-example.js';

export const trainingJob = job('model-training-bench', (j) => {
  j.source<TrainingExample>('examples', memorySource({ name: 'examples' }), { eventTime: { field: 'ts' } })
    .keyBy('by-model', 'model')
    .process('model', model({ publishEvery: 10_000 }))
    .sink('out', discardSink());
});
