/**
 * One job per state directory, with real processes, for both lock mechanisms: while another live process holds a
 * state directory, taking it fails naming the holder, and a job process started on it stops before it opens LMDB
 * (no data file, no output); once the holder is SIGKILLed, its leftover lock file is no obstacle, the job runs, and
 * a finished job leaves no lock. Processes released at one instant on a directory whose holder died: exactly one
 * gets it (the socket lock; the file lock's takeover can let two through, src/state/state-dir-lock.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlywheelError } from '../../src/core/errors.js';
import { DEFAULT_LOCK_MECHANISM, lockStateDir, STATE_DIR_LOCK_FILE, type LockMechanism } from '../../src/state/state-dir-lock.js';
import { launchJob } from '../../src/runtime/launch.js';
import { moduleJobRef } from '../../src/runtime/job-loader.js';
import { runJobProcess } from '../harness/crash-harness.js';
import { fileJob } from '../runtime/fixtures/file-job.js';
import { makeEvents } from '../runtime/fixtures/events.js';

const holderEntry = fileURLToPath(new URL('./fixtures/hold-state-dir.js', import.meta.url));

/** Starts a process that takes the lock on `dir`; resolves once it holds it. */
function holdInAnotherProcess(dir: string, mechanism: LockMechanism): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holderEntry, dir, mechanism], { stdio: ['ignore', 'pipe', 'inherit'] });
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

for (const mechanism of ['socket', 'file'] as const) {
  test(`${mechanism} lock: a second process cannot take a held state directory; a SIGKILLed holder leaves a lock file that is no obstacle`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-state-lock-'));
    try {
      const holder = await holdInAnotherProcess(dir, mechanism);
      try {
        await assert.rejects(
          lockStateDir(dir, mechanism),
          (err: unknown) =>
            err instanceof FlywheelError && err.code === ErrorCodes.STATE && err.message.includes(`in use by process ${holder.pid}`) && err.hint !== undefined,
        );
      } finally {
        await killed(holder);
      }
      assert.ok(existsSync(join(dir, STATE_DIR_LOCK_FILE)), 'the killed holder left its lock file');
      const lock = await lockStateDir(dir, mechanism);
      assert.equal((JSON.parse(readFileSync(join(dir, STATE_DIR_LOCK_FILE), 'utf8')) as { pid: number }).pid, process.pid, 'this process holds it now');
      lock.release();
      assert.ok(!existsSync(join(dir, STATE_DIR_LOCK_FILE)), 'released');
      const again = await lockStateDir(dir, mechanism);
      again.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const contenderEntry = fileURLToPath(new URL('./fixtures/contend-state-dir.js', import.meta.url));

/** A contender process and the lines it prints, each as a promise in order: READY, then its outcome. */
function contender(dir: string, goFile: string): { child: ChildProcess; lines: Array<Promise<string>> } {
  const child = spawn(process.execPath, [contenderEntry, dir, goFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const resolvers: Array<(line: string) => void> = [];
  const lines = [0, 1].map(
    () =>
      new Promise<string>((resolve, reject) => {
        resolvers.push(resolve);
        child.once('exit', (code) => reject(new Error(`a contender exited (${code}) before it answered`)));
      }),
  );
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (pending + d.toString()).split('\n');
    pending = parts.pop()!;
    for (const line of parts) resolvers.shift()?.(line);
  });
  return { child, lines };
}

test('processes started at the same instant on a directory whose holder died: exactly one takes it (socket lock)', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-state-lock-race-'));
  const goFile = join(tmpdir(), `fw-state-lock-race-go-${process.pid}`);
  try {
    // Rounds of contenders released at one instant; on two cores, pairs of them run the takeover side by side.
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const gone = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      await new Promise((resolve) => gone.once('exit', resolve));
      writeFileSync(join(dir, STATE_DIR_LOCK_FILE), `${JSON.stringify({ pid: gone.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`);
      rmSync(goFile, { force: true });
      const contenders = Array.from({ length: 6 }, () => contender(dir, goFile));
      try {
        // Every contender started and waiting: then released together.
        assert.ok((await Promise.all(contenders.map((c) => c.lines[0]!))).every((line) => line === 'READY'));
        writeFileSync(goFile, '');
        const outcomes = await Promise.all(contenders.map((c) => c.lines[1]!));
        const held = outcomes.filter((o) => o === 'HELD').length;
        assert.equal(held, 1, `round ${round}: ${held} processes took the stale lock over at once:\n${outcomes.join('\n')}`);
        assert.ok(
          outcomes.every((o) => o === 'HELD' || o.includes(`state directory ${dir} is in use by`)),
          outcomes.join('\n'),
        );
      } finally {
        await Promise.all(
          contenders.map(
            ({ child }) =>
              new Promise((resolve) => {
                if (child.exitCode !== null) return resolve(null);
                child.once('exit', resolve);
                child.stdin!.end();
              }),
          ),
        );
      }
    }
  } finally {
    rmSync(goFile, { force: true });
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
    const runJob = () =>
      runJobProcess(fileJobEntry, [stateDir, '1'], { FW_TEST_INPUT: join(dir, 'events.jsonl'), FW_TEST_OUTPUT: join(dir, 'out.jsonl') }, null);
    const holder = await holdInAnotherProcess(stateDir, DEFAULT_LOCK_MECHANISM);
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

test('a job launched with its query endpoint on a held state directory stops before it opens LMDB or listens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-state-lock-http-'));
  try {
    const stateDir = join(dir, 'state');
    const holder = await holdInAnotherProcess(stateDir, DEFAULT_LOCK_MECHANISM);
    let listened = false;
    try {
      const launched = launchJob({
        job: moduleJobRef(fileURLToPath(new URL('../runtime/fixtures/file-job.js', import.meta.url)), 'fileJob'),
        graph: fileJob,
        stateDir,
        workers: 1,
        slots: 8,
        placement: 'any',
        workerNiceness: 0,
        batch: { maxRecords: 1024, maxDelay: 5 },
        statusInterval: 60_000,
        stopTimeout: 1_000,
        baseDir: dir,
        http: { port: 0, host: '127.0.0.1' },
        log: () => undefined,
        onListening: () => (listened = true),
      });
      await assert.rejects(
        launched,
        (err: unknown) => err instanceof FlywheelError && err.code === ErrorCodes.STATE && err.message.includes(`in use by process ${holder.pid}`),
      );
    } finally {
      await killed(holder);
    }
    assert.ok(!existsSync(join(stateDir, 'data.mdb')), 'LMDB was not opened');
    assert.equal(listened, false, 'the endpoint never listened');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
