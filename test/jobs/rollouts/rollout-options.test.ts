/**
 * The rollout step's options are checked when the topology loads: a bad one stops loading with the file, the step,
 * the option's YAML path and line, and what is expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const fixture = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test/jobs/rollouts/fixtures/rollouts.yaml');

async function loadWith(from: string, to: string, expect: { path: string; message: RegExp; line: string }): Promise<void> {
  const text = readFileSync(fixture, 'utf8');
  assert.ok(text.includes(from), from);
  const changed = text.replace(from, to);
  const line = changed.split('\n').indexOf(expect.line) + 1;
  assert.ok(line > 0, expect.line);
  const dir = mkdtempSync(join(tmpdir(), 'fw-rollout-options-'));
  try {
    const file = join(dir, 'topology.yaml');
    writeFileSync(file, changed);
    process.env.VIEWER_SHA256 ??= 'a'.repeat(64);
    process.env.OPERATOR_SHA256 ??= 'b'.repeat(64);
    await assert.rejects(loadTopology(file), (err: unknown) => {
      assert.ok(err instanceof FlywheelError);
      assert.equal(err.code, ErrorCodes.TOPOLOGY_INVALID);
      assert.deepEqual({ file: err.place.file, line: err.place.line, path: err.place.path }, { file, line, path: expect.path });
      assert.match(err.message, expect.message);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a schedule that does not increase names its YAML path and line', () =>
  loadWith('        - id: harm\n          schedule: [5, 20, 50, 100]', '        - id: harm\n          schedule: [5, 50, 20, 100]', {
    path: 'steps[11].with.rollouts[1].schedule[2]',
    message: /step 'rollouts': rollout 'harm': the schedule must increase, but 20% follows 50%/,
    line: '          schedule: [5, 50, 20, 100]',
  }));

test('a guardrail direction outside increase | decrease, and a missing experimentStep, are refused', async () => {
  await loadWith(
    'direction: increase, margin: 0.05, tau2: 0.01 }]\n          minSamplePerArm: 1000000',
    'direction: up, margin: 0.05, tau2: 0.01 }]\n          minSamplePerArm: 1000000',
    {
      path: 'steps[11].with.rollouts[2].guardrails[0].direction',
      message: /step 'rollouts': must be one of: increase, decrease/,
      line: '          guardrails: [{ metric: converted, direction: up, margin: 0.05, tau2: 0.01 }]',
    },
  );
  await loadWith('      experimentStep: experiment-estimates\n', '', {
    path: 'steps[11].with',
    message: /step 'rollouts': missing required key 'experimentStep'/,
    // A mapping's line is that of its first key.
    line: '      lookEvery: 10s',
  });
});
