/** Structural graph checks from the TypeScript builder: every kind of mistake gives a clear error naming the step. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { job } from '../../src/api/job.js';
import { memorySink, memorySource } from '../../src/api/connectors.js';
import { tumbling } from '../../src/api/windows.js';
import { count } from '../../src/api/aggregators.js';
import { checkGraph } from '../../src/graph/checks.js';
import { freezeGraph, type StepSpec } from '../../src/graph/model.js';
import { FlywheelError } from '../../src/core/errors.js';
import { describePlan, planGraph } from '../../src/graph/planner.js';

const src = memorySource({ name: 'in' });
const sink = memorySink({ name: 'out' });

function expectGraphError(build: () => unknown, pattern: RegExp, stepId?: string): void {
  assert.throws(build, (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.equal(err.code, 'FW_ERR_GRAPH_INVALID');
    assert.match(err.message, pattern);
    if (stepId) assert.equal(err.place.stepId, stepId);
    assert.ok(err.hint, 'says what to do');
    return true;
  });
}

test('duplicate step ids are rejected', () => {
  expectGraphError(
    () =>
      job('j', (j) =>
        j
          .source('a', src)
          .map('a', (x) => x)
          .sink('out', sink),
      ),
    /duplicate step id 'a'/,
    'a',
  );
});

test('a window needs keyed input', () => {
  const step = (s: Partial<StepSpec> & Pick<StepSpec, 'id' | 'kind'>): StepSpec => ({ inputs: [], config: {}, code: {}, onError: 'fail', ...s });
  const graph = freezeGraph('j', { keyGroups: 128 }, [
    step({ id: 'in', kind: 'source', config: { connector: src, eventTime: { maxOutOfOrderness: 0, idleTimeout: 1000 } } }),
    step({ id: 'w', kind: 'window', inputs: [{ step: 'in', port: 'main' }], config: { assigner: tumbling(10) }, code: { aggregator: count() } }),
  ]);
  expectGraphError(() => checkGraph(graph), /needs keyed input/, 'w');
});

test('cycles, unknown inputs and unknown ports are rejected', () => {
  const step = (id: string, kind: string, from: string[], port = 'main'): StepSpec => ({
    id,
    kind,
    inputs: from.map((s) => ({ step: s, port })),
    config: kind === 'map' ? {} : {},
    code: kind === 'map' ? { fn: (x: unknown) => x } : {},
    onError: 'fail',
  });
  const base = {
    id: 'in',
    kind: 'source',
    inputs: [],
    config: { connector: src, eventTime: { maxOutOfOrderness: 0, idleTimeout: 1 } },
    code: {},
    onError: 'fail' as const,
  };
  expectGraphError(
    () => checkGraph(freezeGraph('j', { keyGroups: 128 }, [base, step('a', 'map', ['b']), step('b', 'map', ['a'])])),
    /cycle: (a -> b -> a|b -> a -> b)/,
  );
  expectGraphError(() => checkGraph(freezeGraph('j', { keyGroups: 128 }, [base, step('a', 'map', ['nope'])])), /input 'nope' is not a step/, 'a');
  expectGraphError(() => checkGraph(freezeGraph('j', { keyGroups: 128 }, [base, step('a', 'map', ['in'], 'late')])), /has no output 'late'/, 'a');
  expectGraphError(() => checkGraph(freezeGraph('j', { keyGroups: 128 }, [base, step('a', 'teleport', ['in'])])), /unknown step kind 'teleport'/, 'a');
});

test('the planner cuts stages at keyBy and describes them', () => {
  const graph = job('j', (j) =>
    j
      .source<{ u: string; ts: number }>('in', src)
      .keyBy('by-u', 'u')
      .window('w', tumbling(10), count())
      .keyBy('by-start', (r) => r.start)
      .map('m', (r) => r)
      .sink('out', sink),
  );
  const plan = planGraph(graph, 4);
  assert.deepEqual(
    plan.stages.map((s) => [s.entry, s.steps, s.upstream]),
    [
      [null, ['in'], []],
      ['by-u', ['by-u', 'w'], [0]],
      ['by-start', ['by-start', 'm', 'out'], [1]],
    ],
  );
  const text = describePlan(plan);
  assert.match(text, /stage 2 \(keyed by by-start, in worker slots\) <- stage 1/);
  assert.match(text, /128 key groups over 4 slots/);
});

test('map, filter and flatMap on window results read the window step and keep the key', () => {
  const graph = job('j', (j) =>
    j
      .source<{ k: string }>('in', src)
      .keyBy('by-k', 'k')
      .window('w', tumbling(10), count())
      .map('m', (r) => r.value)
      .filter('f', (v) => v > 0)
      .flatMap('fm', (v) => [v])
      .sink('out', sink),
  );
  const inputOf = (id: string) => graph.steps.find((s) => s.id === id)!.inputs;
  assert.deepEqual(inputOf('m'), [{ step: 'w', port: 'main' }]);
  assert.deepEqual(inputOf('f'), [{ step: 'm', port: 'main' }]);
  assert.deepEqual(inputOf('out'), [{ step: 'fm', port: 'main' }]);
});
