/**
 * Bad options of the model-side steps stop start-up before any data: the error names the option's path (and, for a
 * rules file, the file, YAML path and line) and says what is allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labels, model } from '../../../src/jobs/model/processors.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const fails = (run: () => unknown, code: string, message: RegExp) =>
  assert.throws(run, (e: unknown) => e instanceof FlywheelError && e.code === code && message.test(e.message), String(message));

test('model step options: wrong types, unknown keys and bad FTRL parameters name their path', () => {
  fails(() => model({ models: { click: { ftrl: { alpha: 0 } } } }), ErrorCodes.CONFIG_INVALID, /with\.models\.click\.ftrl\.alpha must be > 0/);
  fails(() => model({ publishEvery: 'often' }), ErrorCodes.CONFIG_INVALID, /with\.publishEvery must be integer/);
  fails(() => model({ models: { ctr: {} } }), ErrorCodes.CONFIG_INVALID, /with\.models unknown key 'ctr'/);
  fails(() => model({ learnEvery: '0s' }), ErrorCodes.CONFIG_INVALID, /with\.learnEvery must be a positive duration/);
  fails(
    () => model({ models: { click: { hashing: { crosses: [['user']] } } } }),
    ErrorCodes.CONFIG_INVALID,
    /with\.models\.click\.hashing\.crosses\[0\] must NOT have fewer than 2 items/,
  );
});

test('label step options: durations are checked', () => {
  fails(() => labels({ labelWindow: 'a minute' }), ErrorCodes.CONFIG_INVALID, /with\.labelWindow must be a duration/);
  fails(() => labels({ labelWindow: 0 }), ErrorCodes.CONFIG_INVALID, /with\.labelWindow must be a positive duration/);
});

test('serve: a malformed rules file stops start-up with its file, path and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rules-'));
  try {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'inputs: [user]\ndecision: { action: send }\nrules:\n  - id: broken\n    when: user.score >\n    reject: nope\n');
    fails(() => model({ serve: { rules: file } }), ErrorCodes.RULES_INVALID, /rules\[0\]\.when/);
    try {
      model({ serve: { rules: file } });
    } catch (e) {
      assert.equal((e as FlywheelError).place.file, file);
      assert.equal((e as FlywheelError).place.line, 5);
    }
    fails(() => model({ serve: { rules: join(dir, 'missing.yaml') } }), ErrorCodes.RULES_INVALID, /cannot read the rules file/);
    fails(() => model({ serve: { maxK: 0 } }), ErrorCodes.CONFIG_INVALID, /with\.maxK must be >= 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
