/**
 * One job per state directory. A running job holds the directory's lock; a second job started on it stops before
 * it opens LMDB, naming the process that holds it. Another process must not even open a running job's LMDB files
 * (docs/runtime.md), which is why this is checked first. Like Kafka Streams' state directory lock.
 * - `socket` (Linux, the default there): a listening socket in the abstract namespace, named after the directory's
 *   real path. The kernel gives a name to one process at a time and frees it when that process ends, however it
 *   ends (kill -9 included), so a restart needs no cleanup and processes started at the same instant after a crash
 *   cannot both take it. Abstract names are per network namespace: containers that share a volume but not a network
 *   namespace do not see each other's. `job.lock` records who holds it (process id, host, start time) for the error
 *   message. A process that reads the state from outside the job (the query endpoint's child process) holds a
 *   name of its own while it has the directory open, and taking the lock waits until no process holds one: an
 *   endpoint process of a run killed with kill -9 may outlive the job by a moment, and a job must be the only
 *   process with the directory open when it opens it (docs/runtime.md).
 * - `file` (other systems): `job.lock` itself is the lock, created exclusively; one left by a process that is gone
 *   (or written on another host: LMDB needs a local file system) is taken over. Two processes that find the same
 *   leftover lock at the same instant can both take it over.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

export const STATE_DIR_LOCK_FILE = 'job.lock';

export type LockMechanism = 'socket' | 'file';

export const DEFAULT_LOCK_MECHANISM: LockMechanism = process.platform === 'linux' ? 'socket' : 'file';

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export interface StateDirLock {
  /** Gives the directory up; the lock file goes if it still names this process. */
  release(): void;
}

/** Takes the state directory for this process, or throws FW_ERR_STATE if another live process holds it. */
export async function lockStateDir(dir: string, mechanism: LockMechanism = DEFAULT_LOCK_MECHANISM): Promise<StateDirLock> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_DIR_LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const body = `${JSON.stringify(me)}\n`;
  let server: Server | null = null;
  if (mechanism === 'socket') {
    server = await listenExclusively(socketName(dir, 'job'), () => inUse(dir, file, readHolder(file), 'socket'));
    try {
      await outsideReaderGone(dir);
    } catch (err) {
      server.close();
      throw err;
    }
    writeAtomically(file, body);
  } else if (!createExclusive(file, body)) {
    const holder = readHolder(file);
    if (holder !== null && isRunningElsewhere(holder)) throw inUse(dir, file, holder, 'file');
    // Left by a process that is gone: replaced in one step, so a reader never sees half a file.
    writeAtomically(file, body);
  }
  return {
    release: () => {
      const holder = readHolder(file);
      if (holder !== null && holder.pid === me.pid && holder.host === me.host) unlinkSync(file);
      server?.close();
    },
  };
}

/**
 * Held by a process that has a job's state directory open from outside the job's process, for as long as it has
 * (Linux; elsewhere there is no such name and this returns null). Ends with the process.
 */
export async function holdOutsideReader(dir: string): Promise<Server | null> {
  if (DEFAULT_LOCK_MECHANISM !== 'socket') return null;
  const name = `${socketName(dir, 'reader')}/${process.pid}`;
  return listenExclusively(name, () => new FlywheelError(ErrorCodes.INTERNAL, `this process already reads state directory ${dir}`, {}));
}

const OUTSIDE_READER_WAIT_MS = 10_000;

/** Resolves once no process holds a reader name of the directory; FW_ERR_STATE if one still does after 10 s. */
async function outsideReaderGone(dir: string): Promise<void> {
  const deadline = Date.now() + OUTSIDE_READER_WAIT_MS;
  // /proc/net/unix lists the listening abstract sockets of this network namespace as `@name`.
  const prefix = `@${socketName(dir, 'reader').slice(1)}/`;
  for (;;) {
    if (
      !readFileSync('/proc/net/unix', 'utf8')
        .split('\n')
        .some((line) => line.split(' ').at(-1)!.startsWith(prefix))
    )
      return;
    if (Date.now() > deadline) {
      throw new FlywheelError(
        ErrorCodes.STATE,
        `state directory ${dir} is still open in a process outside any job (the query endpoint process of an earlier run) after ${OUTSIDE_READER_WAIT_MS} ms`,
        { file: join(dir, STATE_DIR_LOCK_FILE) },
        'stop that process (it exits by itself when its job has gone); a job must be the only process with its state directory open when it opens it',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function socketName(dir: string, role: 'job' | 'reader'): string {
  return `\0flywheel-state-dir/${role}/${createHash('sha256').update(realpathSync(dir)).digest('hex')}`;
}

/** Listens on an abstract socket name; rejects with `taken()` when another process listens on it. */
async function listenExclusively(name: string, taken: () => FlywheelError): Promise<Server> {
  const server = createServer((connection) => connection.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? taken() : err));
    // Exclusive: in a cluster worker (a query endpoint process) the name must be held by this process, not by the
    // job's process that node:cluster would otherwise ask to listen for it.
    server.listen({ path: name, exclusive: true }, resolve);
  });
  // The lock must not keep a process alive that has nothing else to do.
  server.unref();
  return server;
}

function writeAtomically(file: string, body: string): void {
  const temp = `${file}.${process.pid}`;
  writeFileSync(temp, body);
  renameSync(temp, file);
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

/** The holder a lock file names; null when there is none or it is unreadable (a process died while writing it). */
function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string'
      ? { pid: holder.pid, host: holder.host, startedAt: String(holder.startedAt) }
      : null;
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

function inUse(dir: string, file: string, holder: LockHolder | null, mechanism: LockMechanism): FlywheelError {
  // A process that has just taken the socket may not have written the file yet.
  const who = holder ? `process ${holder.pid} (a job started at ${holder.startedAt})` : 'another process';
  // Only a lock file can outlive its holder (a process id reused by another program keeps it looking alive).
  const orDelete = mechanism === 'file' && holder ? `; if process ${holder.pid} is not a Flywheel job, delete ${file}` : '';
  return new FlywheelError(
    ErrorCodes.STATE,
    `state directory ${dir} is in use by ${who}; two jobs on one state directory would corrupt it`,
    { file },
    `stop that job or give this one another state directory${orDelete}`,
  );
}
