/**
 * Does another process holding an LMDB environment open break restarts of its writer? Plain lmdb-js, no Flywheel
 * code: a committing process (committer.ts) is SIGKILLed 0.4-2 s after each start and started again on the same
 * directory, `trials` times, while a reader process (reader.ts) opens the directory read-only every `readerMs`
 * (0: no reader). A restart is broken when the committer dies of anything but the kill, prints an error, or finds
 * its invariant broken. docs/runtime.md cites the results (why a job's state directory is its process's alone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const committer = fileURLToPath(new URL('./committer.js', import.meta.url));
const reader = fileURLToPath(new URL('./reader.js', import.meta.url));

export interface LmdbRestartsFigure {
  bench: 'lmdb-restarts';
  trials: number;
  readerMs: number;
  broken: number;
  /** The first lines of what each broken restart printed. */
  failures: string[];
}

function runOnce(dir: string, killAfterMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [committer, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' && stderr === '' ? null : `exit ${code ?? signal}: ${stderr.split('\n').slice(0, 3).join(' | ')}`);
    });
  });
}

export async function lmdbRestartsBench(o: { trials: number; readerMs: number }): Promise<LmdbRestartsFigure> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-lmdb-restarts-'));
  let other: ChildProcess | null = null;
  const failures: string[] = [];
  try {
    if (o.readerMs > 0) other = spawn(process.execPath, [reader, dir, String(o.readerMs)], { stdio: 'inherit' });
    for (let t = 0; t < o.trials; t++) {
      const failure = await runOnce(dir, 400 + Math.floor(Math.random() * 1600));
      if (failure !== null) failures.push(failure);
    }
  } finally {
    other?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return { bench: 'lmdb-restarts', trials: o.trials, readerMs: o.readerMs, broken: failures.length, failures };
}
