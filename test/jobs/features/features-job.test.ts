/**
 * The feature store on the real runtime (worker threads, LMDB): malformed events reach the dead-letter sink with
 * their reason and never stop the job; the last change of every user and item holds the reference lifetime values;
 * the query routes read the same records back from LMDB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearMemoryChannels, memoryOutput, setMemoryInput } from '../../../src/connectors/memory/memory-channels.js';
import type { FeatureRecord } from '../../../src/jobs/features/entity-state.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { makeEvents } from './event-maker.js';
import { featuresJob } from './fixtures/features-job.js';
import { referenceTally } from './reference-features.js';

const modulePath = fileURLToPath(new URL('./fixtures/features-job.js', import.meta.url));

test('features on the runtime: dead letters with reasons, reference lifetime values, routes over LMDB', async () => {
  const events = makeEvents({ seed: 31, count: 3000, users: 25, items: 40, categories: 6, start: Date.UTC(2026, 5, 1), meanGap: 2_000, jitter: 4_000 });
  const ts = events[100]!.ts;
  const malformed: Array<[unknown, RegExp]> = [
    [{ type: 'teleport', userId: 'u1', itemId: 'i1', ts }, /type must be one of view, click, cart, purchase, exposure; got "teleport"/],
    [{ type: 'view', itemId: 'i1', ts }, /userId must be a non-empty string, got undefined/],
    [{ type: 'purchase', userId: 'u2', itemId: 'i2', ts, price: 'cheap' }, /price must be a finite number, got "cheap"/],
    [{ type: 'view', userId: 'u3', itemId: 'i3', ts: 'later' }, /no event time/],
  ];
  const input = [...events.slice(0, 1000), ...malformed.map(([m]) => m), ...events.slice(1000)];
  clearMemoryChannels();
  setMemoryInput('events', [input.map((value) => ({ key: null, value }))]);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-features-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'featuresJob'), graph: featuresJob, stateDir, workers: 2, slots: 4 });
    await runner.run();

    const dead = memoryOutput('dlq').map((r) => r.value as { reason: string; record: unknown });
    assert.equal(dead.length, malformed.length);
    malformed.forEach(([record, reason]) => {
      const letter = dead.find((d) => JSON.stringify(d.record) === JSON.stringify(record));
      assert.ok(letter, `dead letter for ${JSON.stringify(record)}`);
      assert.match(letter.reason, reason);
    });

    const app = buildQueryApp(jobView(runner, stateDir), routeContributions(featuresJob));
    for (const [channel, plural, keyOf] of [
      ['user-changes', 'users', (e: (typeof events)[number]) => e.userId],
      ['item-changes', 'items', (e: (typeof events)[number]) => e.itemId],
    ] as const) {
      const last = new Map<string, FeatureRecord>();
      for (const r of memoryOutput(channel)) last.set(r.key!, r.value as FeatureRecord);
      const ids = new Set(events.map(keyOf).filter((id): id is string => id !== undefined));
      assert.deepEqual([...last.keys()].sort(), [...ids].sort(), `${channel}: every ${plural.slice(0, -1)} has features`);
      for (const [id, record] of last) {
        const want = referenceTally(
          events.filter((e) => keyOf(e) === id),
          Infinity,
          null,
        );
        const lifetime = record.features.windows.lifetime!;
        for (const type of ['view', 'click', 'cart', 'purchase']) assert.equal(lifetime[type], want.counts[type], `${id} ${type}`);
        assert.equal(lifetime.gmv, want.gmv, `${id} gmv`);
      }
      for (const id of [...ids].slice(0, 5)) {
        const res = await app.inject(`/features/${plural}/${id}`);
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), last.get(id), `${plural}/${id} from LMDB is the last change emitted`);
      }
    }
    await app.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
