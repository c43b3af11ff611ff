/**
 * Ready answers over the query endpoint's read-only LMDB handle. Per route, a cache maps a key to the stored bytes of
 * its value (msgpack, as LMDB holds them) and the answer rendered from them. A lookup reads the stored bytes without
 * decoding them (a copy out of the memory map into lmdb-js's reusable buffer) and compares them with the cached
 * ones: equal bytes are the same value, so the cached answer is sent as it is; different bytes (a new snapshot)
 * are decoded and rendered once, and replace the entry. The stored bytes themselves are the version, so no writer
 * has to announce a change, and a restarted or replaced job cannot leave a stale answer behind.
 * A value with a TTL is absent once the job's watermark passes its expiry, as in LmdbStateReader. Each route's cache
 * holds at most ROUTE_BUDGET_BYTES (stored plus rendered bytes), dropping the entries written longest ago first.
 */
import { keyGroupOf } from '../core/key-groups.js';
import { readyBytes, type ReadyAnswer, type ReadyAnswers } from '../query/ready-answers.js';
import type { StateDatabases } from '../state/backend.js';
import { valueKey, type StoredValue } from '../state/keys.js';

/** Enough for 20,000 feature records of about 1 KB twice over; a larger key space falls back to rendering. */
export const ROUTE_BUDGET_BYTES = 48 * 1024 * 1024;

interface Entry {
  stored: Buffer;
  answer: string;
  /** Event time after which the value is expired (Infinity without a TTL). */
  expiresAfter: number;
}

export class LmdbReadyAnswers implements ReadyAnswers {
  constructor(
    /** The state database, asked for at each lookup: a job's view opens its read-only handle at the first request. */
    private readonly db: () => StateDatabases['state'],
    private readonly keyGroups: number,
    private readonly watermark: () => number,
    private readonly budgetBytes = ROUTE_BUDGET_BYTES,
  ) {}

  of<T>(stepId: string, name: string, render: (value: T) => string): ReadyAnswer {
    const entries = new Map<string, Entry>();
    let used = 0;
    const forget = (key: string, entry: Entry) => {
      entries.delete(key);
      used -= entry.stored.length + entry.answer.length;
    };
    return (key) => {
      const stateKey = valueKey(stepId, keyGroupOf(key, this.keyGroups), key, name);
      const db = this.db();
      const fast = db.getBinaryFast(stateKey);
      if (fast === undefined) return undefined;
      // getBinaryFast answers in a reusable buffer larger than the value: its first lastSize bytes are the value.
      const bytes = fast.subarray(0, (db as StateDatabases['state'] & { lastSize: number }).lastSize);
      let entry = entries.get(key);
      if (entry === undefined || !entry.stored.equals(bytes)) {
        if (entry !== undefined) forget(key, entry);
        const stored = Buffer.from(bytes);
        // Same synchronous turn, so the same read transaction: the decoded value is the one whose bytes were read.
        const value = db.get(stateKey) as StoredValue | undefined;
        if (value === undefined) return undefined;
        entry = { stored, answer: readyBytes(render(value[0] as T)), expiresAfter: value.length === 2 ? value[1] : Infinity };
        entries.set(key, entry);
        used += entry.stored.length + entry.answer.length;
        for (const [oldKey, old] of entries) {
          if (used <= this.budgetBytes || old === entry) break;
          forget(oldKey, old);
        }
      }
      // As isExpired (state/keys.ts) decides for a stored [value, expiry].
      return entry.expiresAfter < this.watermark() ? undefined : entry.answer;
    };
  }
}
