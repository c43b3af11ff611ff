/**
 * Helpers for crash tests: run a job entry in a child process (optionally SIGKILLed after a delay), kill it
 * repeatedly while it makes progress, and read every entry of a state directory for comparison.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { open } from 'lmdb';
import { mulberry32 } from '../runtime/fixtures/events.js';

/**
 * Runs a job entry in a child process; SIGKILLs it after `killAfterMs`, or, with `killWhen`, once that predicate
 * (polled every 10 ms) holds.
 */
export function runJobProcess(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs: number | null,
  killWhen?: () => boolean,
): Promise<'finished' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const poll = killWhen ? setInterval(() => killWhen() && child.kill('SIGKILL'), 10) : null;
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && stdout.includes('FINISHED')) resolve('finished');
      else reject(new Error(`job exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * Kills the job at random moments until it has been killed `kills` times while making progress (`progress()` grew
 * or was already non-zero), then lets it finish. Kill times are drawn between 8% and 25% of `cleanRunMs` (the
 * duration of an uninterrupted run measured on the same machine, start-up included) times a scale that adapts to
 * how this machine runs now: a kill that lands before the job wrote anything moves later kills half as late again;
 * a run that reaches the end before it was killed often enough makes `startOver` (if given) put the job back to
 * nothing and later kills come sooner. Returns how many kills landed.
 */
export async function killWhileRunning(
  run: (killAfterMs: number | null) => Promise<'finished' | 'killed'>,
  progress: () => Promise<number> | number,
  seed: number,
  cleanRunMs: number,
  startOver?: () => void,
  kills = 5,
): Promise<number> {
  const rand = mulberry32(seed);
  let counted = 0;
  let scale = 1;
  for (let attempt = 0; attempt < 60 && counted < kills; attempt++) {
    const before = await progress();
    const outcome = await run(Math.floor(cleanRunMs * scale * (0.08 + 0.17 * rand())));
    if (outcome === 'finished') {
      if (!startOver) break;
      startOver();
      counted = 0;
      scale *= 0.6;
      continue;
    }
    if ((await progress()) > before || before > 0) counted++;
    else scale *= 1.5;
  }
  if ((await run(null)) !== 'finished') throw new Error('the restarted job did not finish');
  return counted;
}

/**
 * Every entry of the state databases that must match between runs (keyed state, timers, pending outputs). Only for
 * a directory no job is running on: another process must not open a running job's state (see docs/runtime.md).
 */
export function readStateDir(dir: string): Map<string, unknown> {
  const env = open({ path: dir, maxDbs: 8, readOnly: true });
  const out = new Map<string, unknown>();
  for (const name of ['state', 'timers', 'outbox', 'forward']) {
    // Read-only, a database the job has not created yet (it is starting) is not there: it holds nothing.
    const db = env.openDB({ name, encoding: 'msgpack' }) as ReturnType<typeof env.openDB> | undefined;
    if (!db) continue;
    for (const { key, value } of db.getRange({})) out.set(`${name}:${JSON.stringify(key)}`, value);
  }
  void env.close();
  return out;
}

export const stateDirOf = (dir: string): string => join(dir, 'state');

/** Runs an uninterrupted job and returns how long it took (ms). */
export async function timedRun(run: (killAfterMs: number | null) => Promise<'finished' | 'killed'>): Promise<number> {
  const started = Date.now();
  if ((await run(null)) !== 'finished') throw new Error('the uninterrupted run did not finish');
  return Date.now() - started;
}
