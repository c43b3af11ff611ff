/**
 * The file sink's size cap: with `maxBytes` a file is rotated once it reaches that size, `keep` rotated files stay
 * beside the current one, and what they hold together is the newest records, in order, each whole; a sink opened
 * again continues with the size the file has. The demo topology caps each of its output files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSinkType } from '../../../src/connectors/file/file-sink.js';
import type { SinkRecord } from '../../../src/connectors/connector.js';
import { loadTopology } from '../../../src/graph/yaml-loader.js';

const record = (i: number): SinkRecord => ({ id: `r${i}`, key: `k${i % 3}`, value: { i, text: 'x'.repeat(i % 40) }, timestamp: 1_000 + i });
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

test('maxBytes rotates the file; keep bounds the rotated files; together they hold the newest records in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-rotate-'));
  try {
    const path = join(dir, 'out.jsonl');
    const options = { path: 'out.jsonl', maxBytes: 2_000, keep: 2 };
    const ctx = { jobName: 't', baseDir: dir, stepId: 'out' };
    let sink = fileSinkType.create(options, ctx);
    await sink.open();
    const written: SinkRecord[] = [];
    let largestWrite = 0;
    for (let w = 0; w < 60; w++) {
      const batch = Array.from({ length: 1 + (w % 4) }, (_, j) => record(written.length + j));
      largestWrite = Math.max(
        largestWrite,
        batch.reduce((n, r) => n + JSON.stringify({ id: r.id, key: r.key, timestamp: r.timestamp, value: r.value }).length + 1, 0),
      );
      await sink.write(batch);
      written.push(...batch);
      // Reopened halfway: the size so far counts towards the cap.
      if (w === 30) {
        await sink.close();
        sink = fileSinkType.create(options, ctx);
        await sink.open();
      }
    }
    await sink.close();
    assert.deepEqual(readdirSync(dir).sort(), ['out.jsonl', 'out.jsonl.1', 'out.jsonl.2']);
    for (const f of ['out.jsonl.1', 'out.jsonl.2']) {
      const size = statSync(join(dir, f)).size;
      // A file is rotated after the write that took it to the cap: it may pass the cap by less than one write.
      assert.ok(size >= options.maxBytes && size < options.maxBytes + largestWrite, `${f}: ${size} bytes`);
    }
    assert.ok(statSync(path).size < options.maxBytes);
    const kept = [...lines(`${path}.2`), ...lines(`${path}.1`), ...lines(path)].map((l) => JSON.parse(l) as { id: string; value: { i: number } });
    const newest = written.slice(written.length - kept.length);
    assert.ok(kept.length < written.length, 'the oldest records were dropped');
    assert.deepEqual(
      kept.map((r) => r.id),
      newest.map((r) => r.id),
      'the newest records, in order, each once',
    );
    assert.deepEqual(
      kept.map((r) => r.value),
      newest.map((r) => r.value),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the demo topology caps every file it writes', async () => {
  process.env.FLYWHEEL_BROKERS ??= '127.0.0.1:9092';
  const { graph } = await loadTopology(fileURLToPath(new URL('../../../../topologies/demo.yaml', import.meta.url)));
  const fileSinks = graph.steps.filter((s) => s.kind === 'sink' && (s.config.connector as { type: string }).type === 'file');
  assert.ok(fileSinks.length >= 3);
  for (const s of fileSinks) assert.equal(typeof (s.config.connector as { options: { maxBytes?: number } }).options.maxBytes, 'number', `${s.id} is capped`);
});
