/**
 * `${VAR}` values are substituted inside scalars after parsing: a variable holding YAML text (newlines, a whole step
 * with a code reference, a second key of the http mapping) stays the one string value that named it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { FlywheelError } from '../../src/core/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/graph/fixtures/escape');

function topologyDir(yaml: string): { dir: string; file: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fw-env-'));
  copyFileSync(join(fixtures, 'side-effect.js'), join(dir, 'side-effect.js'));
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, yaml);
  const marker = join(dir, 'marker');
  process.env.FW_TEST_MARKER = marker;
  return { dir, file, marker };
}

test('a variable holding newlines and a whole step with a code reference stays one string; the code never runs', async () => {
  const { file, marker } = topologyDir('name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: "${FW_TEST_CHANNEL}" }\n');
  const injected = 'events" }\n  - id: evil\n    op: map\n    fn: ./side-effect.js#run #';
  process.env.FW_TEST_CHANNEL = injected;
  try {
    const loaded = await loadTopology(file);
    assert.deepEqual(
      loaded.graph.steps.map((s) => s.id),
      ['e'],
    );
    assert.equal((loaded.graph.steps[0]!.config.connector as { options: { name: string } }).options.name, injected);
    assert.equal(existsSync(marker), false, 'the injected code reference was not loaded');
  } finally {
    delete process.env.FW_TEST_CHANNEL;
  }
});

test('a variable cannot change the shape of the http settings (bind address); a bare number stays a number', async () => {
  const { file } = topologyDir(
    'name: t\nruntime:\n  http: { port: ${FW_TEST_PORT} }\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: events }\n',
  );
  process.env.FW_TEST_PORT = '8080, host: 0.0.0.0';
  try {
    await assert.rejects(loadTopology(file), (err: unknown) => {
      assert.ok(err instanceof FlywheelError);
      assert.equal(err.place.path, 'runtime.http.port');
      assert.equal(err.place.line, 3);
      assert.match(err.message, /must be integer/);
      return true;
    });
    process.env.FW_TEST_PORT = '8080';
    const loaded = await loadTopology(file);
    assert.deepEqual(loaded.runtime.http, {
      port: 8080,
      host: '127.0.0.1',
      isolation: 'thread',
      processes: 1,
      keepServing: false,
      access: { tokens: [], allowAnonymous: false, openMetrics: false },
    });
  } finally {
    delete process.env.FW_TEST_PORT;
  }
});

test('quoted and partial references stay strings; a comment is never substituted', async () => {
  const { file } = topologyDir(
    '# ${FW_TEST_UNSET_IN_COMMENT}\nname: "t${FW_TEST_SUFFIX:-1}"\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: "${FW_TEST_NUMBER:-42}" }\n',
  );
  const loaded = await loadTopology(file);
  assert.equal(loaded.graph.name, 't1');
  assert.equal((loaded.graph.steps[0]!.config.connector as { options: { name: unknown } }).options.name, '42');
});
