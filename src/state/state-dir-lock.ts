/**
 * One job per state directory. A running job holds `job.lock` in its state directory (process id, host, start
 * time); a second job started on the same directory stops before it opens LMDB, naming the process that holds it.
 * Another process must not even open a running job's LMDB files (docs/runtime.md), which is why this is checked
 * first. A lock left by a process that is gone (kill -9, a crash) is taken over, so a restart needs no cleanup.
 * A lock written on another host is taken over too: LMDB needs a local file system, so that host cannot be running
 * on these files (a restarted container usually gets a new host name). Like Kafka Streams' state directory lock.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FlywheelError } from '../runtime/errors.js';

export const STATE_DIR_LOCK_FILE = 'job.lock';

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export interface StateDirLock {
  /** Removes the lock file if this process still holds it. */
  release(): void;
}

/** Takes the state directory for this process, or throws FW_ERR_STATE if a live process on this host holds it. */
export function lockStateDir(dir: string): StateDirLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_DIR_LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const body = `${JSON.stringify(me)}\n`;
  if (!createExclusive(file, body)) {
    const holder = readHolder(file);
    if (holder !== null && isRunningElsewhere(holder)) throw inUse(dir, file, holder);
    // Left by a process that is gone: replaced in one step (rename), so a reader never sees half a file.
    const temp = `${file}.${process.pid}`;
    writeFileSync(temp, body);
    renameSync(temp, file);
  }
  return {
    release: () => {
      const holder = readHolder(file);
      if (holder !== null && holder.pid === me.pid && holder.host === me.host) unlinkSync(file);
    },
  };
}

function createExclusive(file: string, body: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, body);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The holder a lock file names; null when it is unreadable (a process died while writing it). */
function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt) } : null;
  } catch {
    return null;
  }
}

function isRunningElsewhere(holder: LockHolder): boolean {
  if (holder.host !== hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, file: string, holder: LockHolder): FlywheelError {
  return new FlywheelError(
    ErrorCodes.STATE,
    `state directory ${dir} is in use by process ${holder.pid} (a job started at ${holder.startedAt}); two jobs on one state directory would corrupt it`,
    { file },
    `stop that job or give this one another state directory; if process ${holder.pid} is not a Flywheel job, delete ${file}`,
  );
}
