/**
 * Code references are confined to the topology's directory (and configured roots) and to the package's own
 * `flywheel:` modules: `..`, absolute paths and symbolic links out are refused, naming file, YAML path and line,
 * before anything is imported. In check mode (validate, describe) a user module's exports are read from its
 * source text and none of its code runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { FlywheelError } from '../../src/core/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/graph/fixtures/escape');

/** A directory `outside` holding the side-effect module, and a topology in `outside/inner/deeper` referencing `fn`. */
function layout(fn: string | ((outside: string) => string)): { file: string; outside: string; inner: string; marker: string } {
  const outside = mkdtempSync(join(tmpdir(), 'fw-refs-'));
  const ref = typeof fn === 'string' ? fn : fn(outside);
  for (const f of ['side-effect.js', 'common.cjs', 'reexports.js']) copyFileSync(join(fixtures, f), join(outside, f));
  const inner = join(outside, 'inner', 'deeper');
  mkdirSync(inner, { recursive: true });
  const file = join(inner, 'topology.yaml');
  writeFileSync(
    file,
    `name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: events }\n  - id: m\n    op: map\n    fn: ${JSON.stringify(ref)}\n`,
  );
  const marker = join(outside, 'marker');
  process.env.FW_TEST_MARKER = marker;
  return { file, outside, inner, marker };
}

async function refused(fn: (outside: string) => string, message: RegExp): Promise<void> {
  const { file, marker } = layout(fn);
  await assert.rejects(loadTopology(file), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.equal(err.code, 'FW_ERR_TOPOLOGY_INVALID');
    assert.equal(err.place.file, file);
    assert.equal(err.place.path, 'steps[1].fn');
    assert.equal(err.place.line, 8);
    assert.match(err.message, message);
    return true;
  });
  assert.equal(existsSync(marker), false, 'the module was not run');
}

test("'..' is refused", () => refused(() => '../../side-effect.js#run', /leaves its directory with '\.\.'/));

test('an absolute path is refused', () => refused((outside) => `${outside}/side-effect.js#run`, /is an absolute path/));

test("'flywheel:' cannot leave the package", () => refused(() => 'flywheel:../../../../../../../../tmp/side-effect.js#run', /leaves its directory/));

test('a symbolic link out of the topology directory is refused unless its target lies in a configured code root', async () => {
  const { file, inner, outside, marker } = layout('./lib/side-effect.js#run');
  symlinkSync(outside, join(inner, 'lib'));
  await assert.rejects(
    loadTopology(file),
    (err: unknown) => err instanceof FlywheelError && /outside the directories code may be loaded from/.test(err.message) && err.place.line === 8,
  );
  assert.equal(existsSync(marker), false);
  const loaded = await loadTopology(file, {}, { codeRoots: [outside] });
  assert.equal(typeof loaded.graph.steps[1]!.code.fn, 'function');
  assert.equal(existsSync(marker), true, 'run mode imports the module');
});

test('check mode confirms exports from source text without running the module', async () => {
  const { file, marker } = layout('./side-effect.js#run');
  copyFileSync(join(fixtures, 'side-effect.js'), join(dirname(file), 'side-effect.js'));
  copyFileSync(join(fixtures, 'reexports.js'), join(dirname(file), 'reexports.js'));
  const loaded = await loadTopology(file, {}, { mode: 'check' });
  assert.deepEqual(loaded.unconfirmed, []);
  writeFileSync(file, readFileSync(file, 'utf8').replace('./side-effect.js#run', './reexports.js#run'));
  assert.deepEqual((await loadTopology(file, {}, { mode: 'check' })).unconfirmed, [], "an export passed on by 'export *' is found");
  writeFileSync(file, readFileSync(file, 'utf8').replace('./reexports.js#run', './side-effect.js#walk'));
  await assert.rejects(
    loadTopology(file, {}, { mode: 'check' }),
    (err: unknown) => err instanceof FlywheelError && /has no export 'walk'; it exports: run/.test(err.message),
  );
  assert.equal(existsSync(marker), false, 'no top-level code ran');
});

test('check mode says when a CommonJS module can only be checked by running it', async () => {
  const { file } = layout('./common.cjs#run');
  copyFileSync(join(fixtures, 'common.cjs'), join(dirname(file), 'common.cjs'));
  const loaded = await loadTopology(file, {}, { mode: 'check' });
  assert.equal(loaded.unconfirmed.length, 1);
  assert.equal(loaded.unconfirmed[0]!.path, 'steps[1].fn');
  assert.match(loaded.unconfirmed[0]!.why, /not an ES module/);
});
