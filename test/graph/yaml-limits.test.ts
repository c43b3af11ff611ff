/**
 * Topology input is bounded: a 45 MB file of 2 million keys is refused after reading 1 MiB, with file and line; an
 * alias bomb is refused; durations and numbers past their bounds are refused with path and line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { FlywheelError } from '../../src/core/errors.js';

function write(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'fw-limits-')), 'topology.yaml');
  writeFileSync(file, yaml);
  return file;
}

async function refused(file: string, expected: { message: RegExp; line?: number; path?: string }): Promise<void> {
  await assert.rejects(loadTopology(file), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.equal(err.code, 'FW_ERR_TOPOLOGY_INVALID');
    assert.equal(err.place.file, file);
    assert.match(err.message, expected.message);
    if (expected.line !== undefined) assert.equal(err.place.line, expected.line);
    if (expected.path !== undefined) assert.equal(err.place.path, expected.path);
    return true;
  });
}

const head = 'name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: events }\n';

test('a 45 MB topology of 2 million keys is refused at once, naming the line where it passes the limit', async () => {
  const keys = Array.from({ length: 2_000_000 }, (_, i) => `  k${String(i).padStart(7, '0')}: ${i % 10}\n`).join('');
  const text = `${head}junk:\n${keys}`;
  const file = write(text);
  const started = performance.now();
  // The line holding byte 1,048,577, counted here from the text itself.
  const line = 1 + (Buffer.from(text).subarray(0, 1_048_576).toString('latin1').match(/\n/g) ?? []).length;
  await refused(file, { message: /larger than 1048576 bytes/, line });
  const elapsed = performance.now() - started;
  // Reading 1 MiB and counting its lines takes milliseconds; 2 s leaves room for a busy machine.
  assert.ok(elapsed < 2000, `refused in ${elapsed.toFixed(0)} ms`);
});

test('a file under 1 MiB but of more than 20,000 YAML tokens is refused quickly, with the line where it passes the limit', async () => {
  const keys = Array.from({ length: 74_000 }, (_, i) => `  k${String(i).padStart(7, '0')}: ${i % 10}\n`).join('');
  const text = `${head}junk:\n${keys}`;
  assert.ok(Buffer.byteLength(text) < 1_048_576);
  const started = performance.now();
  await assert.rejects(loadTopology(write(text)), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.match(err.message, /more than 20000 YAML tokens/);
    const line = err.place.line!;
    // A key line is 5 to 8 tokens (indent, key, `:`, space, value, newline; the lexer may merge some), so the
    // 20,000th token lies between line 2,500 and line 4,000.
    assert.ok(line > 2_500 && line < 4_000, `line ${line}`);
    return true;
  });
  // Lexing 20,000 tokens takes well under a second; before this limit the same file kept validate busy for 250 s.
  assert.ok(performance.now() - started < 3000);
});

test('an alias bomb is refused with the line of an alias', () =>
  refused(
    write(
      `${head}a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
    ),
    {
      message: /aliases expand too far/,
      line: 7,
    },
  ));

test('a duration of 99999999999999999999d is refused', () =>
  refused(
    write(
      `${head.replace('connector: { type: memory, name: events }', 'connector: { type: memory, name: events }\n    eventTime: { maxOutOfOrderness: 99999999999999999999d }')}`,
    ),
    {
      message: /must be a duration: .*at most 3650d/,
      path: 'steps[0].eventTime.maxOutOfOrderness',
      line: 6,
    },
  ));

test('a timer duration past what Node timers keep (24.8 days) is refused', () =>
  refused(write(`name: t\nruntime:\n  stopTimeout: 30d\n${head.slice('name: t\n'.length)}`), {
    message: /must be at most 2147483647ms/,
    path: 'runtime.stopTimeout',
    line: 3,
  }));

test('numbers YAML reads as Infinity or beyond 2^53 are refused wherever they are', async () => {
  await refused(
    write(
      `${head}  - id: k\n    op: keyBy\n    field: u\n  - id: w\n    op: window\n    assigner: { type: tumbling, size: 1s, offset: 1e400 }\n    aggregate: { type: count }\n`,
    ),
    {
      message: /is Infinity, outside the numbers a topology may hold/,
      path: 'steps[2].assigner.offset',
      line: 11,
    },
  );
  await refused(write(`name: t\nkeyGroups: 99999999999999999999\n${head.slice('name: t\n'.length)}`), {
    message: /is 100000000000000000000/,
    path: 'keyGroups',
    line: 2,
  });
});
