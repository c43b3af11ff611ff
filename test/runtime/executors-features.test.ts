/**
 * The shipped feature topology (topologies/features.yaml: identity resolution on one key, then user features in a
 * stage fed by it, and item features) on 1 and 2 executors against the slot runtime: the same final state, output
 * ids and payloads and dead letters. Its feature step stops registering refresh timers once the watermark is
 * +Infinity, so its final state depends on every stage seeing the sources' last finite watermark before +Infinity
 * (docs/runtime.md, "Event time"): without that, a stage fed by another one could jump straight to +Infinity in one
 * run and pass through the last watermark in another, and thousands of refreshes differed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { ExecutorJob } from '../../src/runtime/executor-job.js';
import { JobRunner } from '../../src/runtime/runner.js';
import type { RunOptions } from '../../src/runtime/run-options.js';
import { readStateDir } from '../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries } from '../harness/output-payloads.js';

const topology = fileURLToPath(new URL('../../../topologies/features.yaml', import.meta.url));
const OUTPUTS = ['user-changes', 'item-changes', 'dead-letters', 'identity-merges'];

/** Runs the topology from a copy in `dir` (its file sinks write under `dir/out`); returns the state directory. */
async function runFeatures(dir: string, executors: number | null): Promise<string> {
  mkdirSync(join(dir, 'topologies'), { recursive: true });
  const file = join(dir, 'topologies', 'features.yaml');
  cpSync(topology, file);
  const { graph } = await loadTopology(file);
  const stateDir = join(dir, 'state');
  const options: RunOptions = { job: { kind: 'topology', file }, graph, stateDir, workers: executors ?? 2, slots: 16, baseDir: join(dir, 'topologies') };
  await (executors === null ? new JobRunner({ ...options, placement: 'pinned' }) : new ExecutorJob(options)).run();
  return stateDir;
}

/** A source's dead letter carries the wall-clock time it was found, which another run does not repeat. */
const deliveries = (dir: string, name: string) =>
  fileSinkDeliveries(join(dir, 'out', 'features', `${name}.jsonl`)).map(({ id, payload }) =>
    name === 'dead-letters' ? { id, payload: { ...(payload as object), timestamp: undefined } } : { id, payload },
  );

test('the feature topology on executors (1, 2) ends as on the slot runtime', { timeout: 600_000 }, async (t) => {
  process.env.FLYWHEEL_FEATURES_COUNT = '30000';
  const reference = mkdtempSync(join(tmpdir(), 'fw-features-slots-'));
  try {
    const referenceState = readStateDir(await runFeatures(reference, null));
    for (const executors of [1, 2]) {
      const dir = mkdtempSync(join(tmpdir(), `fw-features-executors-${executors}-`));
      try {
        assert.deepEqual(readStateDir(await runFeatures(dir, executors)), referenceState, `${executors} executors: the same final state`);
        const counts = OUTPUTS.map((name) => {
          const expected = deliveries(reference, name);
          const got = deliveries(dir, name);
          assert.deepEqual(new Set(got.map((d) => d.id)), new Set(expected.map((d) => d.id)), `${executors} executors: the same ${name} ids`);
          assertSamePayloads(expected, got, `${executors} executors: ${name}`);
          return `${new Set(expected.map((d) => d.id)).size} ${name}`;
        });
        assert.ok(deliveries(reference, 'user-changes').length > 1000, 'the job emitted user features');
        t.diagnostic(`${executors} executors: ${counts.join(', ')}; state equal`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    delete process.env.FLYWHEEL_FEATURES_COUNT;
    rmSync(reference, { recursive: true, force: true });
  }
});
