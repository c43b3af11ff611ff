/**
 * The rollout routes over state built by hand (fastify's inject, no job): a rollout without state is served at its
 * first share; an undeclared one is a 404; a POST appends exactly one command line to the log and answers 202 with
 * it, needs a reason, is refused with 409 when the status does not allow it (nothing logged) and with 501 when the
 * step has no command log; assignments follow the stored share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQueryApp } from '../../../src/query/app.js';
import { isTreated } from '../../../src/jobs/rollouts/rollout-assignment.js';
import { initialRolloutState } from '../../../src/jobs/rollouts/rollout-decision.js';
import { resolveRolloutOptions } from '../../../src/jobs/rollouts/rollout-options.js';
import { rolloutRoutes } from '../../../src/jobs/rollouts/rollout-routes.js';
import { ROLLOUT_STATE } from '../../../src/jobs/rollouts/rollout-step.js';
import { MemoryStateReader, viewOfState } from '../../query/memory-state-reader.js';

const STEP = 'rollouts';

function appWith(commands: string | undefined) {
  const options = resolveRolloutOptions({
    experimentStep: 'experiments',
    ...(commands ? { commands } : {}),
    rollouts: [
      { id: 'fresh', schedule: [5, 100], guardrails: [{ metric: 'converted', direction: 'increase' }] },
      { id: 'paused', schedule: [10, 40, 100], guardrails: [{ metric: 'converted', direction: 'increase' }] },
    ],
  });
  const state = new MemoryStateReader();
  const paused = { ...initialRolloutState(options.rollouts.get('paused')!), status: 'paused', stage: 1, share: 40 };
  state.setValue(STEP, 'paused', ROLLOUT_STATE.rollout, paused);
  return buildQueryApp(viewOfState(state), [{ stepId: STEP, routes: rolloutRoutes(options) }]);
}

test('GET: the declared rollouts, a rollout before any state, an undeclared one, and assignments at the stored share', async () => {
  const app = appWith(undefined);
  const list = (await app.inject({ url: '/rollouts' })).json();
  assert.deepEqual(
    list.rollouts.map((r: { rollout: string; status: string; share: number }) => [r.rollout, r.status, r.share]),
    [
      ['fresh', 'running', 5],
      ['paused', 'paused', 40],
    ],
  );
  const fresh = (await app.inject({ url: '/rollouts/fresh' })).json();
  assert.deepEqual([fresh.status, fresh.share, fresh.steps, fresh.evidence, fresh.settings.schedule], ['running', 5, [], null, [5, 100]]);
  assert.equal((await app.inject({ url: '/rollouts/other' })).statusCode, 404);
  for (const userId of ['u1', 'u2', 'u3', 'u4', 'u5']) {
    const a = (await app.inject({ url: `/rollouts/paused/assignments/${userId}` })).json();
    assert.equal(a.arm, isTreated('paused', userId, 40) ? 'treatment' : 'control');
    assert.equal(a.share, 40);
  }
  await app.close();
});

test('POST: one logged line per accepted command; a missing reason, a refused status and a missing log write nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rollout-routes-'));
  try {
    const log = join(dir, 'commands.jsonl');
    const app = appWith(log);
    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
    assert.equal((await post('/rollouts/paused/resume', {})).statusCode, 400);
    const refused = await post('/rollouts/paused/pause', { reason: 'again' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /pause applies to a rollout that is running; this one is paused/);
    assert.equal((await post('/rollouts/other/pause', { reason: 'x' })).statusCode, 404);
    assert.equal(existsSync(log) ? readFileSync(log, 'utf8') : '', '', 'nothing logged yet');
    const accepted = await post('/rollouts/paused/resume', { reason: 'metrics look fine' });
    assert.equal(accepted.statusCode, 202);
    const { command } = accepted.json();
    const lines = readFileSync(log, 'utf8').split('\n');
    assert.deepEqual(
      lines.slice(0, -1).map((l) => JSON.parse(l)),
      [command],
    );
    assert.deepEqual(
      [command.rollout, command.command, command.reason, typeof command.id, typeof command.at],
      ['paused', 'resume', 'metrics look fine', 'string', 'number'],
    );
    await app.close();
    const withoutLog = appWith(undefined);
    const none = await withoutLog.inject({ method: 'POST', url: '/rollouts/fresh/pause', payload: { reason: 'x' } });
    assert.equal(none.statusCode, 501);
    assert.match(none.json().message, /no command log: set its with.commands/);
    await withoutLog.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
