/**
 * topologies/experiments.yaml with a bad processor option does not load: the error names the topology file, the
 * step, the YAML path of the option and its line, and what the option accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const shipped = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../topologies/experiments.yaml');

test('a bad option of the experiment step stops loading with file, step, YAML path and line', async () => {
  process.env.FLYWHEEL_BROKERS ??= '127.0.0.1:9092';
  const text = readFileSync(shipped, 'utf8');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('metric: converted')) + 1;
  assert.ok(line > 0);
  const dir = mkdtempSync(join(tmpdir(), 'fw-experiments-yaml-'));
  try {
    const file = join(dir, 'experiments.yaml');
    writeFileSync(file, text.replace('metric: converted', 'metric: conversions'));
    await assert.rejects(loadTopology(file), (err: unknown) => {
      assert.ok(err instanceof FlywheelError);
      assert.equal(err.code, ErrorCodes.TOPOLOGY_INVALID);
      assert.deepEqual({ file: err.place.file, line: err.place.line, path: err.place.path }, { file, line, path: 'steps[5].with.metrics[1].metric' });
      assert.match(err.message, /step 'experiment-users': must be one of: views, clicks, carts, purchases, converted, revenue/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
