/**
 * A restart mid-stream resumes the same model: the model job is killed with SIGKILL once it has learned a quarter,
 * half and three quarters of the examples of an uninterrupted run, restarted on the same state directory each time, and run to completion. The state
 * of the label and model steps (FTRL z and n of every coordinate, progress, metrics, published weights and versions,
 * item catalogue, pending labels) and their timers equal those of a run that was never interrupted; only the
 * wall-clock publication times may differ. The model slot moves between threads (any placement), so the model is
 * also rebuilt from LMDB by whichever thread gets it. The progressive predictions it emitted (written to a file)
 * are those of the uninterrupted run: one per example (model and example id), each with the same prediction, label,
 * key and timestamp, duplicates alike. They are matched by example, not by output id: the ids of this job's outputs
 * differ between two uninterrupted runs (the same prediction came out under either of two ids in separate runs), so
 * the test reports how many differ instead of requiring them equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { readStateDir, runJobProcess, timedRun } from '../../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries, type Delivery } from '../../harness/output-payloads.js';

const entry = fileURLToPath(new URL('./fixtures/run-model-job.js', import.meta.url));
const predictionsOf = (dir: string) => join(dir, 'predictions.jsonl');
const envOf = (dir: string) => ({ FW_MODEL_TEST_COUNT: '40000', FW_MODEL_TEST_SEED: '9', FW_MODEL_TEST_PUBLISH_EVERY: '1000', FW_MODEL_TEST_PREDICTIONS: predictionsOf(dir) });
const runJob = (dir: string, killAfterMs: number | null) => runJobProcess(entry, [join(dir, 'state'), 'any'], envOf(dir), killAfterMs);

/**
 * Runs the job and SIGKILLs it once the model has learned `examples` click examples, as the job reports on stdout
 * (this process must not open the state directory while the job runs); 'finished' if it ends first.
 */
function runUntilLearned(dir: string, examples: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [entry, join(dir, 'state'), 'any'], { env: { ...process.env, ...envOf(dir) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let pending = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith('LEARNED ') && Number(line.slice(8)) >= examples) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`job exited with ${code}: ${stderr}`));
    });
  });
}

/** A prediction's example: the model and the example id it carries (`user#n`). */
const exampleOf = (payload: unknown): string => {
  const { model, id } = (payload as { value: { model: string; id: string } }).value;
  return `${model}:${id}`;
};

/** State and timers of the label and model steps, without the wall-clock `publishedAt` fields. */
function modelState(dir: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of readStateDir(join(dir, 'state'))) {
    if (!/^(state|timers):\["(labels|model)"/.test(key)) continue;
    out.set(key, JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'publishedAt' ? undefined : v))));
  }
  return out;
}

/** Click examples the model learned, read from a job's state directory after the job ended. */
const learned = (dir: string): number => {
  const progress = [...readStateDir(join(dir, 'state'))].find(([k]) => k.startsWith('state:["model",') && k.endsWith('"click","v","progress"]'));
  return progress ? ((progress[1] as [{ examples: number }])[0].examples) : 0;
};

test('kill -9 mid-stream, restart: the same model weights, versions, labels and predictions as an uninterrupted run', { timeout: 240_000 }, async (t) => {
  const clean = mkdtempSync(join(tmpdir(), 'fw-model-clean-'));
  const crashed = mkdtempSync(join(tmpdir(), 'fw-model-crashed-'));
  try {
    const cleanMs = await timedRun((ms) => runJob(clean, ms));
    // Kill when the model has learned a quarter, half and three quarters of what the uninterrupted run learned.
    const total = learned(clean);
    let kills = 0;
    for (const share of [0.25, 0.5, 0.75]) {
      if ((await runUntilLearned(crashed, share * total)) === 'killed') kills++;
    }
    assert.equal(await runJob(crashed, null), 'finished');
    assert.equal(kills, 3, 'the job was killed at each of the three points');
    const want = modelState(clean);
    const got = modelState(crashed);
    const weights = [...want.keys()].filter((k) => k.includes('"m","weights"'));
    assert.ok(weights.length > 1000, `the model has ${weights.length} coordinates`);
    assert.deepEqual(got, want, 'label and model state equal the uninterrupted run');
    const cleanOutputs = fileSinkDeliveries(predictionsOf(clean));
    const crashedOutputs = fileSinkDeliveries(predictionsOf(crashed));
    const byExample = (outputs: Delivery[]) => outputs.map(({ payload }) => ({ id: exampleOf(payload), payload }));
    const expected = byExample(cleanOutputs);
    const delivered = byExample(crashedOutputs);
    const expectedIds = new Set(expected.map((d) => d.id));
    const deliveredIds = new Set(delivered.map((d) => d.id));
    assert.equal(expectedIds.size, expected.length, 'the uninterrupted run predicts each example once');
    assert.ok(expected.length >= total, `a prediction per example learned (${expected.length} for ${total} click examples)`);
    assert.deepEqual([...expectedIds].filter((id) => !deliveredIds.has(id)), [], 'no example is missing a prediction');
    assert.deepEqual([...deliveredIds].filter((id) => !expectedIds.has(id)), [], 'no prediction of an example the uninterrupted run lacks');
    const { duplicatedIds } = assertSamePayloads(expected, delivered, 'model predictions by example');
    const cleanIds = new Set(cleanOutputs.map((d) => d.id));
    const otherIds = new Set(crashedOutputs.map((d) => d.id).filter((id) => !cleanIds.has(id))).size;
    t.diagnostic(`${kills} kills; ${weights.length} coordinates, ${learned(clean)} click examples, ${expected.length} predictions (${delivered.length - deliveredIds.size} duplicate deliveries of ${duplicatedIds} examples; ${otherIds} output ids the uninterrupted run did not use); clean run ${cleanMs} ms`);
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
});
