/**
 * The file source with `follow: true` reads a log others append to: it creates a missing file, is never finished,
 * hands over a line only once its newline is written (a half-written line is read whole later), and resumes after
 * the last line applied, as the plain source does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSourceType } from '../../../src/connectors/file/file-source.js';

const follower = (path: string) => fileSourceType.create({ path, format: 'json', follow: true }, { jobName: 't', baseDir: '/', stepId: 'commands' });

test('a followed file: created when missing, lines read as their newlines arrive, never finished, resumed after the last applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-follow-'));
  try {
    const path = join(dir, 'commands.jsonl');
    const source = follower(path);
    await source.open({ startOffsets: new Map() });
    assert.ok(existsSync(path), 'the log was created');
    assert.deepEqual(await source.poll(10), []);
    assert.equal(source.finished(), false);
    appendFileSync(path, '{"n":1}\n{"n":');
    const first = await source.poll(10);
    assert.deepEqual(
      first.map((r) => r.value),
      [{ n: 1 }],
      'the half-written second line is not handed over',
    );
    appendFileSync(path, '2}\n');
    const second = await source.poll(10);
    assert.deepEqual(
      second.map((r) => [r.offset, r.value]),
      [[8, { n: 2 }]],
    );
    assert.equal(source.finished(), false);
    await source.close();

    // Resumed one past the first line's offset (the runtime's position after applying it): the second line again.
    const resumed = follower(path);
    await resumed.open({ startOffsets: new Map([[0, 1]]) });
    assert.deepEqual(
      (await resumed.poll(10)).map((r) => r.value),
      [{ n: 2 }],
    );
    await resumed.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
