/**
 * YAML topologies: a valid file compiles to the same graph as the TypeScript builder; every kind of mistake stops
 * loading with the file, the YAML path, the line and what is expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { FlywheelError } from '../../src/core/errors.js';
import { job } from '../../src/api/job.js';
import { memorySink, memorySource } from '../../src/api/connectors.js';
import { sliding } from '../../src/api/windows.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/graph/fixtures');
const { isClick } = (await import(pathToFileURL(join(fixtures, 'udf.js')).href)) as { isClick: (e: { type: string }) => boolean };

test('a topology compiles to the same graph as the TypeScript builder', async () => {
  const loaded = await loadTopology(join(fixtures, 'clicks.yaml'));
  const built = job(
    'clicks-per-item',
    (j) => {
      const counts = j
        .source<{ type: string; itemId: string; ts: number }>('events', memorySource({ name: 'events' }), {
          eventTime: { field: 'ts', maxOutOfOrderness: 5000 },
        })
        .filter('clicks', isClick)
        .keyBy('by-item', 'itemId')
        .window(
          'counts',
          sliding(10_000, 2_000),
          { create: () => 0, add: (n: number) => n + 1, merge: (a: number, b: number) => a + b, result: (n: number) => n },
          { allowedLateness: 1000 },
        );
      counts.sink('out', memorySink({ name: 'out' }));
      counts.late.sink('late-out', memorySink({ name: 'late' }));
      j.deadLetter('dlq', memorySink({ name: 'dlq' }));
    },
    { keyGroups: 64 },
  );
  const shape = (steps: typeof built.steps) => steps.map((s) => ({ id: s.id, kind: s.kind, inputs: s.inputs, onError: s.onError }));
  const byId = new Map(built.steps.map((s) => [s.id, s]));
  // The same steps on both sides (each shape below is looked up from the loaded list, so a step missing there would
  // otherwise go unnoticed), including the one that reads the window's side output.
  assert.deepEqual(loaded.graph.steps.map((s) => s.id).sort(), built.steps.map((s) => s.id).sort());
  assert.deepEqual(loaded.graph.steps.find((s) => s.id === 'late-out')?.inputs, [{ step: 'counts', port: 'late' }]);
  assert.deepEqual(shape(loaded.graph.steps), shape([...loaded.graph.steps.map((s) => byId.get(s.id)!)]));
  assert.deepEqual(loaded.graph.settings, built.settings);
  assert.deepEqual(loaded.graph.steps.find((s) => s.id === 'events')!.config, byId.get('events')!.config);
  assert.deepEqual(loaded.graph.steps.find((s) => s.id === 'counts')!.config.assigner, { type: 'sliding', size: 10_000, slide: 2_000 });
  assert.equal(loaded.graph.steps.find((s) => s.id === 'clicks')!.code.fn, isClick, 'the code reference resolves to the module export');
  assert.equal(loaded.runtime.batch.maxDelay, 10);
  assert.equal(loaded.runtime.intake, 'main', 'sources are read on the main thread unless runtime.intake says otherwise');
  assert.equal(loaded.runtime.stateDir, join(fixtures, 'state/clicks'));
  assert.equal(loaded.graph.steps[3]!.origin?.line, 19, 'steps remember their line (counts is declared on line 19)');
});

/** Writes a variant of the fixture (udf.js alongside) and expects loading to fail with path, line and message. */
async function expectError(yaml: string, expected: { path?: string; line?: number; message: RegExp }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-yaml-'));
  copyFileSync(join(fixtures, 'udf.js'), join(dir, 'udf.js'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, yaml);
  await assert.rejects(loadTopology(file), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.match(err.message, expected.message);
    assert.equal(err.place.file, file);
    if (expected.path !== undefined) assert.equal(err.place.path, expected.path);
    if (expected.line !== undefined) assert.equal(err.place.line, expected.line);
    assert.ok(err.hint, 'says what to do');
    return true;
  });
}

const head = `name: t
steps:
  - id: events
    op: source
    connector: { type: memory, name: events }
`;

test('unknown step kind', () => expectError(head + '  - id: x\n    op: teleport\n', { path: 'steps[1].op', line: 7, message: /unknown op 'teleport'/ }));

test('missing field', async () => {
  await expectError(head + '  - id: k\n    op: keyBy\n    field: u\n  - id: w\n    op: window\n    aggregate: { type: count }\n', {
    path: 'steps[2]',
    line: 9,
    message: /missing required key 'assigner'/,
  });
  await expectError(head + '  - id: k\n    op: keyBy\n', { path: 'steps[1]', line: 6, message: /needs exactly one of 'field' or 'fn'/ });
});

test('unknown key', () =>
  expectError(head + '  - id: k\n    op: keyBy\n    field: u\n    colour: red\n', { path: 'steps[1]', line: 6, message: /unknown key 'colour'/ }));

test('bad duration', () =>
  expectError(head + '  - id: k\n    op: keyBy\n    field: u\n  - id: w\n    op: window\n    assigner: { type: tumbling, size: 10 parsecs }\n', {
    path: 'steps[2].assigner.size',
    line: 11,
    message: /must be a duration: .*250ms, 5s/,
  }));

test('unknown module export', () =>
  expectError(head + '  - id: f\n    op: filter\n    fn: ./udf.js#isPurchase\n', {
    path: 'steps[1].fn',
    line: 8,
    message: /no export 'isPurchase'; it exports: isClick, userOf/,
  }));

test('missing module', () => expectError(head + '  - id: f\n    op: filter\n    fn: ./nope.js#x\n', { path: 'steps[1].fn', message: /does not exist/ }));

test('cycle', () =>
  expectError(head + '  - id: a\n    op: map\n    fn: ./udf.js#userOf\n    from: b\n  - id: b\n    op: map\n    fn: ./udf.js#userOf\n    from: a\n', {
    message: /cycle: (a -> b -> a|b -> a -> b)/,
    line: 6,
  }));

test('window before keyBy', () =>
  expectError(head + '  - id: w\n    op: window\n    assigner: { type: tumbling, size: 1s }\n', {
    path: 'steps[1].from',
    line: 6,
    message: /window step needs keyed input/,
  }));

test('duplicate id', () =>
  expectError(head + '  - id: events\n    op: filter\n    fn: ./udf.js#isClick\n', { message: /duplicate step id 'events'/, line: 6 }));

test('unknown input', () =>
  expectError(head + '  - id: f\n    op: filter\n    fn: ./udf.js#isClick\n    from: evnts\n', {
    path: 'steps[1].from',
    message: /input 'evnts' is not a step/,
  }));

test('bad runtime setting', () =>
  expectError('name: t\nruntime:\n  intake: everywhere\n' + head.slice('name: t\n'.length), {
    path: 'runtime.intake',
    line: 3,
    message: /must be one of: main, workers/,
  }));

test('bad access settings of the query endpoint: a token given in place of its hash, an unknown role', async () => {
  const runtime = (access: string) => `name: t\nruntime:\n  http:\n    port: 8080\n    access:\n${access}` + head.slice('name: t\n'.length);
  await expectError(runtime('      tokens:\n        - { name: ci, sha256: my-secret-token, role: admin }\n'), {
    path: 'runtime.http.access.tokens[0].sha256',
    line: 7,
    message: /must match pattern "\^\[0-9a-f\]\{64\}\$"/,
  });
  await expectError(runtime(`      tokens:\n        - { name: ci, sha256: ${'a'.repeat(64)}, role: root }\n`), {
    path: 'runtime.http.access.tokens[0].role',
    line: 7,
    message: /must be one of: viewer, operator, admin/,
  });
});

test('several query endpoint processes: isolation process unless written, thread refused at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-yaml-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, 'name: t\nruntime:\n  http: { port: 8080, processes: 3 }\n' + head.slice('name: t\n'.length));
  const loaded = await loadTopology(file);
  assert.equal(loaded.runtime.http?.processes, 3);
  assert.equal(loaded.runtime.http?.isolation, 'process');
  await expectError('name: t\nruntime:\n  http:\n    port: 8080\n    processes: 2\n    isolation: thread\n' + head.slice('name: t\n'.length), {
    path: 'runtime.http.isolation',
    line: 6,
    message: /must be "process"/,
  });
});

test('unknown connector type and bad connector options', async () => {
  await expectError('name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: carrier-pigeon }\n', {
    path: 'steps[0].connector.type',
    line: 5,
    message: /unknown source connector type 'carrier-pigeon'/,
  });
  await expectError('name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: file }\n', {
    path: 'steps[0].connector',
    message: /missing required key 'path'/,
  });
});

test('YAML syntax errors give the line', () => expectError('name: t\nsteps:\n  - id: e\n   op: source\n  bad: [\n', { message: /YAML syntax/ }));

test('environment variables are interpolated, with defaults; an unset one without a default names its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-yaml-'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    'name: t\nkeyGroups: ${FW_TEST_GROUPS:-32}\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: "${FW_TEST_CHANNEL}" }\n',
  );
  process.env.FW_TEST_CHANNEL = 'events';
  const loaded = await loadTopology(file);
  assert.equal(loaded.graph.settings.keyGroups, 32);
  assert.deepEqual((loaded.graph.steps[0]!.config.connector as { options: unknown }).options, { name: 'events' });
  delete process.env.FW_TEST_CHANNEL;
  await assert.rejects(
    loadTopology(file),
    (err: unknown) => err instanceof FlywheelError && /FW_TEST_CHANNEL is not set/.test(err.message) && err.place.line === 6,
  );
});
