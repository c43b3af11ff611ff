/** Numbers that validation lets through as Infinity (`k=1e400`, `k=Infinity`, a JSON body's 1e400) are refused with 400. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildQueryApp } from '../../src/query/app.js';
import { MemoryStateReader, viewOfState } from './memory-state-reader.js';

const app = buildQueryApp(viewOfState(new MemoryStateReader()), [
  {
    stepId: 'top',
    routes: (a) => {
      a.get<{ Querystring: { k: number } }>(
        '/top',
        {
          schema: {
            querystring: { type: 'object', additionalProperties: false, properties: { k: { type: 'integer', minimum: 1, maximum: 100, default: 10 } } },
          },
        },
        async (req) => ({ k: req.query.k }),
      );
      a.post('/log', async () => ({ logged: true }));
      a.post<{ Body: { x: number } }>('/score', { schema: { body: { type: 'object', properties: { x: { type: 'number' } } } } }, async (req) => ({
        x: req.body.x,
      }));
    },
  },
]);

test('k above its maximum is refused, whether written 101, 1e400 or Infinity', async () => {
  assert.deepEqual((await app.inject('/top?k=50')).json(), { k: 50 });
  for (const k of ['101', '1e400', 'Infinity', '-1e400']) {
    const res = await app.inject(`/top?k=${k}`);
    assert.equal(res.statusCode, 400, `k=${k}: ${res.body}`);
    assert.match(res.json().message, /querystring\/k must be/);
  }
});

test('a JSON body number that parses as Infinity is refused', async () => {
  const res = await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'application/json' }, payload: '{"x": 1e400}' });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().message, /body\/x must be/);
});

test('a body nested 20,000 deep, on a route without a body schema, is checked without overflowing the stack', async () => {
  const deep = '{"x":'.repeat(20_000) + '1e400' + '}'.repeat(20_000);
  const res = await app.inject({ method: 'POST', url: '/log', headers: { 'content-type': 'application/json' }, payload: deep });
  assert.equal(res.statusCode, 400, res.body.slice(0, 200));
  assert.match(res.json().message, /^body(\/x){20000} must be a finite number$/);
});
