/**
 * Every shipped topology passes `flywheel validate` and `flywheel describe` with no FLYWHEEL_* variable set: checking
 * connects to nothing, so each unset variable is reported (with its line) instead of failing. `run` still refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const topologies = fileURLToPath(new URL('../../topologies/', import.meta.url));
const files = readdirSync(topologies)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** The environment less every FLYWHEEL_* variable. */
const bareEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FLYWHEEL_')));

function flywheel(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: bareEnv });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Variables the file references without a default, read from its text (independently of the loader). */
function requiredVariables(file: string): string[] {
  const text = readFileSync(join(topologies, file), 'utf8');
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))].sort();
}

test('the shipped topologies are where the test expects them', () => {
  assert.ok(files.includes('demo.yaml'));
  assert.ok(
    files.some((f) => requiredVariables(f).length > 0),
    'at least one topology needs a variable, or this test checks nothing',
  );
});

for (const file of files) {
  for (const command of ['validate', 'describe']) {
    test(`${command} ${file} succeeds with no FLYWHEEL_* variable set and names each unset one`, () => {
      const r = flywheel([command, join(topologies, file)]);
      assert.equal(r.status, 0, r.stderr);
      const reported = [...r.stdout.matchAll(/^note: .*:\d+: environment variable (\w+) is not set/gm)].map((m) => m[1]!).sort();
      assert.deepEqual(reported, requiredVariables(file));
    });
  }
}

test('run still refuses a topology whose variable is unset, naming it and its line', () => {
  const file = files.find((f) => requiredVariables(f).length > 0)!;
  const r = flywheel(['run', join(topologies, file)]);
  assert.equal(r.status, 1);
  const name = requiredVariables(file)[0]!;
  assert.match(r.stderr, new RegExp(`FW_ERR_TOPOLOGY_INVALID environment variable ${name} is not set \\[.*${file}:\\d+\\]`));
});
