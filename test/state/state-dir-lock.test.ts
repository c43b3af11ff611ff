/**
 * One job per state directory, with real processes: while another live process holds a state directory, a job
 * process started on it stops before it opens LMDB (no data file, no output) and the error names the holder and
 * what to do; once the holder is SIGKILLed, its leftover lock is taken over without any cleanup, the job runs, and
 * a finished job leaves no lock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlywheelError } from '../../src/runtime/errors.js';
import { lockStateDir, STATE_DIR_LOCK_FILE } from '../../src/state/state-dir-lock.js';
import { runJobProcess } from '../harness/crash-harness.js';
import { makeEvents } from '../runtime/fixtures/events.js';

const holderEntry = fileURLToPath(new URL('./fixtures/hold-state-dir.js', import.meta.url));

/** Starts a process that takes the lock on `dir`; resolves once it holds it. */
function holdInAnotherProcess(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holderEntry, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => (d.toString().includes('LOCKED') ? resolve(child) : undefined));
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

test('a second process cannot take a held state directory; a SIGKILLed holder leaves a lock that is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-state-lock-'));
  try {
    const holder = await holdInAnotherProcess(dir);
    try {
      assert.throws(
        () => lockStateDir(dir),
        (err: unknown) => err instanceof FlywheelError && err.code === ErrorCodes.STATE && err.message.includes(`in use by process ${holder.pid}`) && err.hint !== undefined && err.hint.includes(join(dir, STATE_DIR_LOCK_FILE)),
      );
    } finally {
      await killed(holder);
    }
    assert.ok(existsSync(join(dir, STATE_DIR_LOCK_FILE)), 'the killed holder left its lock file');
    const lock = lockStateDir(dir);
    assert.equal((JSON.parse(readFileSync(join(dir, STATE_DIR_LOCK_FILE), 'utf8')) as { pid: number }).pid, process.pid, 'this process holds it now');
    lock.release();
    assert.ok(!existsSync(join(dir, STATE_DIR_LOCK_FILE)), 'released');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const fileJobEntry = fileURLToPath(new URL('../runtime/fixtures/run-file-job.js', import.meta.url));

test('a job started on a state directory another process holds stops before it opens LMDB; a finished job leaves no lock', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-state-lock-job-'));
  try {
    const [events] = makeEvents({ seed: 3, count: 2_000, users: 50, partitions: 1, skewed: false, disorder: 0 });
    writeFileSync(join(dir, 'events.jsonl'), events!.map((r) => JSON.stringify(r.value)).join('\n') + '\n');
    const stateDir = join(dir, 'state');
    const runJob = () => runJobProcess(fileJobEntry, [stateDir, '1'], { FW_TEST_INPUT: join(dir, 'events.jsonl'), FW_TEST_OUTPUT: join(dir, 'out.jsonl') }, null);
    const holder = await holdInAnotherProcess(stateDir);
    try {
      await assert.rejects(runJob(), (err: Error) => err.message.includes(ErrorCodes.STATE) && err.message.includes(`in use by process ${holder.pid}`));
      assert.ok(!existsSync(join(stateDir, 'data.mdb')), 'LMDB was not opened');
      assert.ok(!existsSync(join(dir, 'out.jsonl')), 'nothing was written');
    } finally {
      await killed(holder);
    }
    assert.equal(await runJob(), 'finished', 'the job runs once the holder is gone');
    assert.ok(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().length > 0, 'and writes its outputs');
    assert.ok(!existsSync(join(stateDir, STATE_DIR_LOCK_FILE)), 'a finished job leaves no lock');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
