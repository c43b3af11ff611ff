/**
 * Opens the job's LMDB environment (one per state directory) and its named databases. Every thread of the process
 * opens the same path; lmdb-js shares the environment, and LMDB serializes writers while readers never block.
 *
 * Layout (keys are ordered-binary arrays, values msgpack):
 *   state     [stepId, keyGroup, key, 'v', name]        -> [value, expiresAt?]      value state
 *             [stepId, keyGroup, key, 'm', name, entry] -> [value, expiresAt?]      map state entry
 *   timers    [stepId, keyGroup, time, key, namespace]  -> what registered it last  event-time timers
 *   progress  ['applied', stage, slot, partitionId]     -> last applied offset      exactly-once frontier
 *             ['clock', stage, slot, partitionId]     -> partition watermark at that frontier
 *             ['meta', name]                            -> value                    graph hash, slots, ...
 *   outbox    [stage, slot, seq]                        -> packed [sink, id, key, value, timestamp, headers][]
 *                                                          one commit's outputs to deliver (outbox-chunks.ts)
 *   forward   [stage, fromStage, fromSlot, seq, slot]     -> [count, packed records]   records one batch of a slot
 *                                                          forwarded to a slot of a later stage, not yet applied
 * The key group comes right after the step id so a range of key groups can be moved as a unit.
 */
import { open, type Database, type RootDatabase } from 'lmdb';

export interface StateDatabases {
  env: RootDatabase;
  state: Database;
  timers: Database;
  progress: Database;
  outbox: Database;
  forward: Database;
}

export interface BackendOptions {
  /** Flush to disk at every commit (survives a machine crash). Without it a commit survives a process crash. */
  sync?: boolean;
}

const opened = new Map<string, StateDatabases>();

export function openState(dir: string, options: BackendOptions = {}): StateDatabases {
  const existing = opened.get(dir);
  if (existing) return existing;
  const env = open({ path: dir, maxDbs: 8, noSync: !options.sync, mapSize: 2 * 1024 ** 3 });
  const db = (name: string) => env.openDB({ name, encoding: 'msgpack' });
  const dbs: StateDatabases = { env, state: db('state'), timers: db('timers'), progress: db('progress'), outbox: db('outbox'), forward: db('forward') };
  opened.set(dir, dbs);
  return dbs;
}

export async function closeState(dir: string): Promise<void> {
  const dbs = opened.get(dir);
  if (!dbs) return;
  opened.delete(dir);
  await dbs.env.close();
}

/**
 * A read-only handle of its own on a state directory, for the query endpoint: it stays valid while the job closes and
 * reopens its own handle (a restart), and never takes the writer lock.
 */
export function openStateReadOnly(dir: string): Pick<StateDatabases, 'env' | 'state'> {
  const env = open({ path: dir, maxDbs: 8, readOnly: true });
  return { env, state: env.openDB({ name: 'state', encoding: 'msgpack' }) };
}
