/**
 * Hostile records through a file-sourced job run with the CLI: records nested 3,000 and 10,000 deep, one with too
 * many keys, one larger than maxRecordBytes and one that is neither JSON nor UTF-8 are each one dead letter whose
 * reason names the limit (or the decode error), with the raw bytes kept (base64 where they are not UTF-8); the job
 * keeps running, applies every ordinary record and exits 0. Before the limits, the 3,000-deep record stopped the job
 * with "Maximum call stack size exceeded" on every start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli-run.js';
import { keyedTopology } from '../harness/keyed-topology.js';

const topology = keyedTopology({ name: 'hostile', source: '{ type: file, path: ./in.jsonl, maxKeys: 1000 }' });

interface DeadLetter {
  reason: string;
  offset: number;
  record: string;
  recordEncoding?: string;
}

function readLines<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { value: T }).value);
}

test('hostile records become dead letters naming the limit; the job keeps running and exits 0', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-hostile-'));
  try {
    const ordinary = (i: number) => Buffer.from(JSON.stringify({ user: `u${i % 5}`, ts: 1_000 + i }) + '\n');
    const oversized = Buffer.from(JSON.stringify({ user: 'd', ts: 2003, blob: 'x'.repeat(2_000_000) }));
    const hostile: Array<{ bytes: Buffer; reason: RegExp }> = [
      {
        bytes: Buffer.from(`{"user":"a","ts":2000,"deep":${'['.repeat(3000)}${']'.repeat(3000)}}`),
        reason: /^record limit maxDepth: nested deeper than 100 levels$/,
      },
      { bytes: Buffer.from(`{"user":"b","ts":2001,"deep":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`), reason: /^record limit maxDepth/ },
      {
        bytes: Buffer.from(JSON.stringify({ user: 'c', ts: 2002, wide: Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i])) })),
        reason: /^record limit maxKeys: more than 1000 object keys$/,
      },
      { bytes: oversized, reason: new RegExp(`^record limit maxRecordBytes: ${oversized.length} bytes, more than 1048576`) },
      { bytes: Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]), reason: /^not JSON/ },
    ];
    const parts: Buffer[] = [];
    for (let i = 0; i < 50; i++) parts.push(ordinary(i));
    for (const h of hostile) {
      parts.push(Buffer.concat([h.bytes, Buffer.from('\n')]));
      for (let i = 0; i < 10; i++) parts.push(ordinary(parts.length));
    }
    writeFileSync(join(dir, 'in.jsonl'), Buffer.concat(parts));
    writeFileSync(join(dir, 'topology.yaml'), topology);

    const run = await runCli(['run', join(dir, 'topology.yaml')]);
    assert.equal(run.code, 0, `the job finished: ${run.stderr}`);
    const outputs = readLines<{ user: string }>(join(dir, 'out.jsonl'));
    assert.equal(outputs.length, parts.length - hostile.length, 'every ordinary record went through');
    const dead = readLines<DeadLetter>(join(dir, 'dlq.jsonl'));
    assert.equal(dead.length, hostile.length, 'one dead letter per hostile record');
    dead.forEach((d, i) => {
      assert.match(d.reason, hostile[i]!.reason);
      const kept = d.recordEncoding === 'base64' ? Buffer.from(d.record, 'base64') : Buffer.from(d.record);
      const original = hostile[i]!.bytes;
      // An over-long line keeps its first 1,024 bytes; any other its whole payload.
      assert.deepEqual(kept, original.length > 1_048_576 ? original.subarray(0, 1024) : original);
    });
    assert.equal(dead[4]!.recordEncoding, 'base64', 'bytes that are not UTF-8 are kept as base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
