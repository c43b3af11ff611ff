/** The file sink cuts a torn last line (left by a crash mid-write) before appending, so the file stays JSON lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSinkType } from '../../../src/connectors/file/file-sink.js';

test('a torn tail is cut off on open; complete lines are kept and new records appended after them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-filesink-'));
  try {
    const path = join(dir, 'out.jsonl');
    writeFileSync(path, '{"id":"a"}\n{"id":"b"}\n{"id":"c","val');
    const sink = fileSinkType.create({ path, fsync: false }, { jobName: 'j', baseDir: dir, stepId: 'out' });
    await sink.open();
    await sink.write([{ id: 'c', key: null, value: 1, timestamp: 5 }]);
    await sink.close();
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string });
    assert.deepEqual(
      lines.map((l) => l.id),
      ['a', 'b', 'c'],
    );
    writeFileSync(path, 'no newline at all');
    const again = fileSinkType.create({ path, fsync: false }, { jobName: 'j', baseDir: dir, stepId: 'out' });
    await again.open();
    await again.close();
    assert.equal(readFileSync(path, 'utf8'), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
