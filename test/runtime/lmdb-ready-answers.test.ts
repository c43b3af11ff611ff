/**
 * Ready answers over a real LMDB state directory: rendered once per stored version (counted renders), rendered
 * again when the stored bytes change, absent once the watermark passes a TTL's expiry, correct under a byte budget
 * that holds one entry, and byte-exact for text outside ASCII.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyGroupOf } from '../../src/core/key-groups.js';
import { LmdbReadyAnswers } from '../../src/runtime/lmdb-ready-answers.js';
import { closeState, openState, openStateReadOnly } from '../../src/state/backend.js';
import { valueKey, type StoredValue } from '../../src/state/keys.js';

const KEY_GROUPS = 8;

async function withState(
  fn: (
    put: (key: string, stored: StoredValue) => Promise<void>,
    answers: (budget?: number) => LmdbReadyAnswers,
    setWatermark: (w: number) => void,
  ) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-ready-answers-'));
  const writer = openState(dir);
  const reader = openStateReadOnly(dir);
  let watermark = 0;
  try {
    await fn(
      (key, stored) => writer.state.put(valueKey('s', keyGroupOf(key, KEY_GROUPS), key, 'v'), stored).then(() => undefined),
      (budget) =>
        new LmdbReadyAnswers(
          () => reader.state,
          KEY_GROUPS,
          () => watermark,
          budget,
        ),
      (w) => void (watermark = w),
    );
  } finally {
    await reader.env.close();
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an answer is rendered once per stored version and again when the value changes', async () => {
  await withState(async (put, answers) => {
    let renders = 0;
    const answer = answers().of<{ n: number }>('s', 'v', (value) => {
      renders++;
      return JSON.stringify(value);
    });
    await put('k', [{ n: 1 }]);
    assert.equal(answer('k'), '{"n":1}');
    assert.equal(answer('k'), '{"n":1}');
    assert.equal(renders, 1);
    await put('k', [{ n: 2 }]);
    assert.equal(answer('k'), '{"n":2}');
    assert.equal(renders, 2);
    assert.equal(answer('absent'), undefined);
  });
});

test('a value with a TTL is absent once the watermark passes its expiry', async () => {
  await withState(async (put, answers, setWatermark) => {
    const answer = answers().of<string>('s', 'v', (value) => JSON.stringify(value));
    await put('k', ['soon gone', 5_000]);
    setWatermark(5_000);
    assert.equal(answer('k'), '"soon gone"', 'expired only once the watermark is past the expiry');
    setWatermark(5_001);
    assert.equal(answer('k'), undefined);
  });
});

test('a budget of one entry still answers every key correctly, rendering again what it dropped', async () => {
  await withState(async (put, answers) => {
    let renders = 0;
    const answer = answers(4).of<number>('s', 'v', (value) => {
      renders++;
      return String(value);
    });
    for (let i = 0; i < 5; i++) await put(`k${i}`, [i]);
    for (let round = 0; round < 2; round++) for (let i = 0; i < 5; i++) assert.equal(answer(`k${i}`), String(i));
    assert.equal(renders, 10, 'each entry pushed the previous one out');
  });
});

test('the answer holds the UTF-8 bytes of text outside ASCII, one latin1 character per byte', async () => {
  await withState(async (put, answers) => {
    const answer = answers().of<string>('s', 'v', (value) => JSON.stringify({ name: value }));
    await put('k', ['Zoë 北京 🚲']);
    assert.equal(Buffer.from(answer('k')!, 'latin1').toString('utf8'), '{"name":"Zoë 北京 🚲"}');
  });
});
