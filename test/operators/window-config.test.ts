/**
 * The window step's configuration as the topology loader validates it (the one ajv instance, with the `duration`
 * keyword): every assigner and aggregate type is accepted, durations in any form become milliseconds, allowed
 * lateness defaults to 0, and each malformed configuration is refused naming the key at fault. A YAML window step's
 * `aggregator: ./file.js#export` is loaded as its code and aggregates its windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAgainst } from '../../src/graph/schema-validator.js';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { windowOperator } from '../../src/operators/window-aggregate.js';
import { OperatorHarness } from '../harness/operator-harness.js';
import type { WindowResult } from '../../src/api/types.js';

const validate = (config: unknown) => validateAgainst(windowOperator.configSchema, config);

test('every assigner type and aggregate type is accepted, with durations turned into milliseconds', () => {
  for (const type of ['count', 'sum', 'min', 'max', 'avg', 'latest']) {
    const config = { assigner: { type: 'tumbling', size: '10s', offset: 5 }, aggregate: { type, field: 'amount' } };
    assert.equal(validate(config), null, type);
    assert.deepEqual(config, { assigner: { type: 'tumbling', size: 10_000, offset: 5 }, aggregate: { type, field: 'amount' }, allowedLateness: 0 });
  }
  const sliding = { assigner: { type: 'sliding', size: '1m', slide: '250ms' }, allowedLateness: '2s' };
  assert.equal(validate(sliding), null);
  assert.deepEqual(sliding, { assigner: { type: 'sliding', size: 60_000, slide: 250 }, allowedLateness: 2_000 });
  const session = { assigner: { type: 'session', gap: 3_000 }, aggregator: './aggregators.js#distinct' };
  assert.equal(validate(session), null);
  assert.deepEqual(session, { assigner: { type: 'session', gap: 3_000 }, aggregator: './aggregators.js#distinct', allowedLateness: 0 });
});

test('a malformed window configuration is refused, naming the key at fault', () => {
  const refused: Array<[string, unknown, Array<string | number>, RegExp]> = [
    ['no assigner', { aggregate: { type: 'count' } }, [], /missing required key 'assigner'/],
    ['an assigner without a type', { assigner: { size: 10 } }, ['assigner'], /missing required key 'type'/],
    ['an unknown assigner type', { assigner: { type: 'hopping', size: 10 } }, ['assigner', 'type'], /must be one of: tumbling, sliding, session/],
    ['an unknown assigner key', { assigner: { type: 'tumbling', size: 10, step: 2 } }, ['assigner'], /unknown key 'step'/],
    ['a size that is no duration', { assigner: { type: 'tumbling', size: 'ten' } }, ['assigner', 'size'], /must be a duration/],
    ['a slide that is no duration', { assigner: { type: 'sliding', size: 10, slide: true } }, ['assigner', 'slide'], /must be a duration/],
    ['a gap that is no duration', { assigner: { type: 'session', gap: 'soon' } }, ['assigner', 'gap'], /must be a duration/],
    ['an offset that is no number', { assigner: { type: 'tumbling', size: 10, offset: '5' } }, ['assigner', 'offset'], /must be number/],
    ['an aggregate without a type', { assigner: { type: 'tumbling', size: 10 }, aggregate: { field: 'x' } }, ['aggregate'], /missing required key 'type'/],
    [
      'an unknown aggregate type',
      { assigner: { type: 'tumbling', size: 10 }, aggregate: { type: 'median' } },
      ['aggregate', 'type'],
      /must be one of: count, sum, min, max, avg, latest/,
    ],
    ['an unknown aggregate key', { assigner: { type: 'tumbling', size: 10 }, aggregate: { type: 'sum', by: 'x' } }, ['aggregate'], /unknown key 'by'/],
    [
      'an aggregate field that is no string',
      { assigner: { type: 'tumbling', size: 10 }, aggregate: { type: 'sum', field: 3 } },
      ['aggregate', 'field'],
      /must be string/,
    ],
    ['an aggregator that is no string', { assigner: { type: 'tumbling', size: 10 }, aggregator: 3 }, ['aggregator'], /must be string/],
    ['a lateness that is no duration', { assigner: { type: 'tumbling', size: 10 }, allowedLateness: 'late' }, ['allowedLateness'], /must be a duration/],
    ['an unknown top-level key', { assigner: { type: 'tumbling', size: 10 }, trigger: 'count' }, [], /unknown key 'trigger'/],
    ['an assigner that is no object', { assigner: 'tumbling' }, ['assigner'], /must be object/],
    ['an aggregate that is no object', { assigner: { type: 'tumbling', size: 10 }, aggregate: 'sum' }, ['aggregate'], /must be object/],
    ['a configuration that is no object', 'tumbling', [], /must be object/],
  ];
  for (const [what, config, path, message] of refused) {
    const problem = validate(config);
    assert.ok(problem !== null, `${what} is refused`);
    assert.deepEqual(problem.path, path, what);
    assert.match(problem.message, message, what);
  }
});

test('a YAML window step loads its aggregator from the file it names and aggregates with it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-window-aggregator-'));
  try {
    writeFileSync(
      join(dir, 'aggregators.js'),
      'export const distinct = { create: () => [], add: (a, v) => (a.includes(v.item) ? a : [...a, v.item]), merge: (a, b) => [...new Set([...a, ...b])], result: (a) => a.length };\n',
    );
    const yaml = [
      'name: t',
      'steps:',
      '  - { id: events, op: source, connector: { type: memory, name: events } }',
      '  - { id: k, op: keyBy, field: user }',
      '  - { id: w, op: window, assigner: { type: tumbling, size: 10 }, aggregator: ./aggregators.js#distinct }',
      '  - { id: out, op: sink, connector: { type: memory, name: out } }',
    ].join('\n');
    writeFileSync(join(dir, 'job.yaml'), `${yaml}\n`);
    const { graph } = await loadTopology(join(dir, 'job.yaml'));
    const h = new OperatorHarness(graph.steps.find((s) => s.id === 'w')!);
    for (const [item, ts] of [
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['c', 12],
    ] as const)
      h.processElement('u', { item }, ts);
    h.processWatermark(100);
    assert.deepEqual(
      h.outputs.map((o) => (o.value as WindowResult<number>).value),
      [2, 1],
      'distinct items per window, not a count of records',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
