/**
 * A restart mid-stream resumes the same model: the model job is killed with SIGKILL once it has learned a quarter,
 * half and three quarters of the examples of an uninterrupted run, restarted on the same state directory each time, and run to completion. The state
 * of the label and model steps (FTRL z and n of every coordinate, progress, metrics, published weights and versions,
 * item catalogue, pending labels) and their timers equal those of a run that was never interrupted; only the
 * wall-clock publication times may differ. The model slot moves between threads (any placement), so the model is
 * also rebuilt from LMDB by whichever thread gets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { readStateDir, runJobProcess, timedRun } from '../../harness/crash-harness.js';

const entry = fileURLToPath(new URL('./fixtures/run-model-job.js', import.meta.url));
const env = { FW_MODEL_TEST_COUNT: '40000', FW_MODEL_TEST_SEED: '9', FW_MODEL_TEST_PUBLISH_EVERY: '1000' };
const runJob = (dir: string, killAfterMs: number | null) => runJobProcess(entry, [join(dir, 'state'), 'any'], env, killAfterMs);

/**
 * Runs the job and SIGKILLs it once the model has learned `examples` click examples, as the job reports on stdout
 * (this process must not open the state directory while the job runs); 'finished' if it ends first.
 */
function runUntilLearned(dir: string, examples: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [entry, join(dir, 'state'), 'any'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return progress ? ((progress[1] as [{ examples: number }])[0].examples) : 0;
};

test('kill -9 mid-stream, restart: the same model weights, versions and labels as an uninterrupted run', { timeout: 240_000 }, async (t) => {
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
    t.diagnostic(`${kills} kills; ${weights.length} coordinates, ${learned(clean)} click examples; clean run ${cleanMs} ms`);
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
});
