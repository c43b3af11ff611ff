/**
 * The model job's output ids are a function of its input, and a restart mid-stream resumes the same model. Two
 * uninterrupted runs of the same input emit the same set of output ids, each with the same payload: the model step
 * is fed by the label slots in an order that depends on thread timing, and what its learn timers emit must not
 * depend on that order. The job is then killed with SIGKILL once it has learned a quarter, half and three quarters of
 * the examples of an uninterrupted run, restarted on the same state directory each time, and run to completion. The
 * state of the label and model steps (FTRL z and n of every coordinate, progress, metrics, published weights and
 * versions, item catalogue, pending labels) and their timers equal those of the run that was never interrupted; only
 * the wall-clock publication times may differ. The model slot moves between threads (any placement), so the model is
 * also rebuilt from LMDB by whichever thread gets it. The progressive predictions it emitted (written to a file) have
 * exactly the uninterrupted run's output ids, each delivery with that run's payload (prediction, label, key and
 * timestamp), duplicates alike.
 */
import { after, before, test } from 'node:test';
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
const envOf = (dir: string) => ({
  FW_MODEL_TEST_COUNT: '40000',
  FW_MODEL_TEST_SEED: '9',
  FW_MODEL_TEST_PUBLISH_EVERY: '1000',
  FW_MODEL_TEST_PREDICTIONS: predictionsOf(dir),
});
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
  return progress ? (progress[1] as [{ examples: number }])[0].examples : 0;
};

/**
 * Asserts that `got` delivered exactly the output ids of the uninterrupted run `clean` (which delivers each once),
 * each with that run's payload; returns how many deliveries were duplicates, and of how many ids.
 */
function assertSameOutputs(clean: readonly Delivery[], got: readonly Delivery[], what: string): { duplicates: number; duplicatedIds: number } {
  const expected = new Set(clean.map((d) => d.id));
  const delivered = new Set(got.map((d) => d.id));
  assert.equal(expected.size, clean.length, 'an uninterrupted run writes each output id once');
  const missing = [...expected].filter((id) => !delivered.has(id));
  const extra = [...delivered].filter((id) => !expected.has(id));
  assert.equal(
    missing.length,
    0,
    `${what}: ${missing.length} of ${expected.size} output ids of the uninterrupted run are missing, e.g. ${missing.slice(0, 3).join(', ')}`,
  );
  assert.equal(extra.length, 0, `${what}: ${extra.length} output ids the uninterrupted run lacks, e.g. ${extra.slice(0, 3).join(', ')}`);
  const { duplicatedIds } = assertSamePayloads(clean, got, what);
  return { duplicates: got.length - delivered.size, duplicatedIds };
}

const clean = mkdtempSync(join(tmpdir(), 'fw-model-clean-'));
let cleanMs = 0;
before(
  async () => {
    cleanMs = await timedRun((ms) => runJob(clean, ms));
  },
  { timeout: 120_000 },
);
after(() => rmSync(clean, { recursive: true, force: true }));

test('two uninterrupted runs of the same input emit the same output ids, each with the same payload', { timeout: 120_000 }, async (t) => {
  const again = mkdtempSync(join(tmpdir(), 'fw-model-again-'));
  try {
    assert.equal(await runJob(again, null), 'finished');
    const first = fileSinkDeliveries(predictionsOf(clean));
    const second = fileSinkDeliveries(predictionsOf(again));
    assert.ok(first.length > 10_000, `the job predicts (${first.length} predictions)`);
    const { duplicates } = assertSameOutputs(first, second, 'second uninterrupted run');
    assert.equal(duplicates, 0, 'the second uninterrupted run writes each output id once too');
    t.diagnostic(`${first.length} predictions under the same ids in both runs`);
  } finally {
    rmSync(again, { recursive: true, force: true });
  }
});

test('kill -9 mid-stream, restart: the same model weights, versions, labels and predictions as an uninterrupted run', { timeout: 240_000 }, async (t) => {
  const crashed = mkdtempSync(join(tmpdir(), 'fw-model-crashed-'));
  try {
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
    const exampleOf = ({ payload }: Delivery) => {
      const { model, id } = (payload as { value: { model: string; id: string } }).value;
      return `${model}:${id}`;
    };
    const examples = new Set(cleanOutputs.map(exampleOf));
    assert.equal(examples.size, cleanOutputs.length, 'the uninterrupted run predicts each example once');
    assert.ok(cleanOutputs.length >= total, `a prediction per example learned (${cleanOutputs.length} for ${total} click examples)`);
    const { duplicates, duplicatedIds } = assertSameOutputs(cleanOutputs, fileSinkDeliveries(predictionsOf(crashed)), 'restarted run');
    t.diagnostic(
      `${kills} kills; ${weights.length} coordinates, ${total} click examples, ${cleanOutputs.length} predictions under the uninterrupted run's ids (${duplicates} duplicate deliveries of ${duplicatedIds} ids); clean run ${cleanMs} ms`,
    );
  } finally {
    rmSync(crashed, { recursive: true, force: true });
  }
});
