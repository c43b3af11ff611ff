/**
 * The committing process of the LMDB restart check: its main thread and two worker threads commit small
 * transactions without pause on one environment (noSync, as Flywheel's state). Every transaction bumps a counter,
 * adds a log entry under the new count and deletes the one 50 counts older, so the environment always holds
 * exactly the last 50 entries; it also adds a chunk of bytes and deletes the oldest chunk of another thread (as
 * forwarded records are written by one slot and deleted by another). At start it checks the 50 entries: it exits
 * with code 3 and says what it found otherwise.
 * It runs until it is killed.
 */
import { open } from 'lmdb';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const KEPT = 50;
const dir = (isMainThread ? process.argv[2] : (workerData as { dir: string }).dir)!;
const env = open({ path: dir, maxDbs: 4, noSync: true, mapSize: 2 * 1024 ** 3 });
const db = env.openDB({ name: 'log', encoding: 'msgpack' });
const chunks = env.openDB({ name: 'chunks', encoding: 'msgpack' });
const thread = isMainThread ? 0 : (workerData as { thread: number }).thread;

function broken(what: string): never {
  process.stderr.write(`BROKEN ${what}\n`);
  process.exit(3);
}

function checkKeptEntries(): void {
  const count = (db.get('count') as number | undefined) ?? 0;
  const keys = [...db.getKeys({ start: ['entry'], end: ['entry', Infinity] })].map((k) => (k as [string, number])[1]);
  const first = Math.max(1, count - KEPT + 1);
  if (keys.length !== count - first + 1 || keys.some((k, i) => k !== first + i))
    broken(`count ${count} but ${keys.length} entries, from ${keys[0]} to ${keys[keys.length - 1]}`);
}

function commitOne(): void {
  env.transactionSync(() => {
    const count = ((db.get('count') as number | undefined) ?? 0) + 1;
    db.putSync('count', count);
    // Values of varying size, so pages split, overflow and return to the free list.
    db.putSync(['entry', count], 'x'.repeat(100 + ((count * 7919) % 5000)));
    if (count > KEPT && !db.removeSync(['entry', count - KEPT])) broken(`entry ${count - KEPT} missing at count ${count}`);
    chunks.putSync([thread, count], new Uint8Array(200 + (count % 3000)));
    for (const key of chunks.getKeys({ start: [(thread + 1) % 3], end: [(thread + 1) % 3, Infinity], limit: 1 })) chunks.removeSync(key);
  });
}

function commitForever(): void {
  for (let i = 0; i < 50; i++) commitOne();
  setImmediate(commitForever);
}

if (isMainThread) {
  env.transactionSync(() => checkKeptEntries());
  process.stdout.write('STARTED\n');
  for (let w = 1; w <= 2; w++) new Worker(new URL(import.meta.url), { workerData: { dir, thread: w } });
}
commitForever();
