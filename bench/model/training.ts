/**
 * Training throughput (examples/s), side by side in one run: the model step on the runtime (memory source -> keyBy
 * -> model step on a worker thread, weights committed to LMDB per batch) and a plain single-threaded FTRL loop over
 * the same examples with the same features and parameters. Each is run `runs` times; medians and their ratio are
 * printed as JSON lines, with the largest weight difference between the two (they must learn the same model).
 *   node dist/bench/model/training.js [--events N] [--runs R] [--placement any|pinned]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';
import { MODEL_STATE } from '../../src/jobs/model/model-state.js';
import { resolveModelOptions } from '../../src/jobs/model/model-options.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { JobRunner } from '../../src/runtime/runner.js';
import { openStateReadOnly } from '../../src/state/backend.js';
import { LmdbStateReader } from '../../src/state/lmdb-reader.js';
import { median } from '../measure.js';
import { labelledExamples } from './labelled-examples.js';
import { plainFtrl } from './plain-ftrl.js';
import { trainingJob } from './training-job.js';

const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '400000' }, runs: { type: 'string', default: '3' }, placement: { type: 'string', default: 'pinned' } },
});
const events = Number(args.events);
const runs = Number(args.runs);
const placement = args.placement === 'any' ? 'any' : 'pinned';
const report = (figure: object) =>
  process.stdout.write(
    JSON.stringify({ bench: 'model-training', ...figure, machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}` }) + '\n',
  );

const examples = labelledExamples(events);
const spec = resolveModelOptions({}).models.click;
const jobModule = fileURLToPath(new URL('./training-job.js', import.meta.url));
const flywheelSeconds: number[] = [];
const plainSeconds: number[] = [];
let maxWeightDifference = 0;

for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  const plain = plainFtrl(examples, spec.hashing, spec.ftrl);
  plainSeconds.push((performance.now() - t0) / 1000);

  clearMemoryChannels();
  setMemoryInput('examples', [examples.map((value) => ({ key: null, value }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-model-training-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(jobModule, 'trainingJob'), graph: trainingJob, stateDir, workers: 2, slots: 16, placement });
    const t1 = performance.now();
    await runner.run();
    flywheelSeconds.push((performance.now() - t1) / 1000);
    const handle = openStateReadOnly(stateDir);
    const reader = new LmdbStateReader(handle, trainingJob.settings.keyGroups, () => Infinity);
    const published = reader.value<{ coords: number[]; weights: number[] }>('model', 'click', MODEL_STATE.published)!;
    published.coords.forEach((c, i) => (maxWeightDifference = Math.max(maxWeightDifference, Math.abs(published.weights[i]! - (plain.weights.get(c) ?? 0)))));
    if (published.coords.length !== plain.weights.size) maxWeightDifference = Infinity;
    await handle.env.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const flywheel = median(flywheelSeconds);
const plain = median(plainSeconds);
report({
  figure: 'examples per second',
  events,
  examples: examples.length,
  runs,
  placement,
  flywheelExamplesPerSecond: Math.round(examples.length / flywheel),
  plainExamplesPerSecond: Math.round(examples.length / plain),
  flywheelOverPlain: Math.round((plain / flywheel) * 1000) / 1000,
  flywheelSeconds,
  plainSeconds,
  maxWeightDifference,
});
