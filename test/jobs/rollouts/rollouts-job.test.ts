/**
 * The rollout step through `flywheel run` (a child process: worker threads, LMDB, the query endpoint on a real port
 * with access tokens), in a closed loop: each round the test reads every rollout's share from GET /rollouts/:id,
 * assigns that round's users with the rollout's hash at that share, appends their exposures and purchases to the
 * followed events log, pushes event time on, and waits for the rollout step to have looked at the round's report.
 *   good:   treatment converts at 0.5 against 0.2: advances 5 -> 20 -> 50 -> 100 on the guardrail, each step with
 *           its evidence, and completes;
 *   harm:   treatment converts at 0.02 against 0.3: rolled back to 0 without ever passing its second step (20%);
 *   manual: minSamplePerArm far beyond the data, so only the operator moves it: POST advance, pause, resume,
 *           rollback without a token (401), with a viewer token (403), with an operator token (202, then a step
 *           with the command's id and reason), and a command the status does not allow (409, never logged).
 * Every step in state is in the output file once. Then the job is stopped and started again on the same state
 * directory: the same state, steps and assignments are served, nothing already applied is applied again (neither
 * events nor commands), and a new command is the next step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../../src/core/seeded-random.js';
import { tokenHash } from '../../../src/query/access-policy.js';
import { isTreated, rolloutBucket } from '../../../src/jobs/rollouts/rollout-assignment.js';
import type { RolloutState, RolloutStep } from '../../../src/jobs/rollouts/rollout-decision.js';
import { cli } from '../../harness/cli-run.js';

const fixture = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test/jobs/rollouts/fixtures/rollouts.yaml');
const VIEWER = 'viewer-token-for-the-rollout-test';
const OPERATOR = 'operator-token-for-the-rollout-test';
const E = 10_000;
const USERS_PER_ROUND = 400;
/** Purchase probability by rollout and arm. */
const CONVERSION: Record<string, { control: number; treatment: number }> = {
  good: { control: 0.2, treatment: 0.5 },
  harm: { control: 0.3, treatment: 0.02 },
  // Slightly better, so that a false harm signal on it is practically impossible; it never has the sample to advance.
  manual: { control: 0.3, treatment: 0.35 },
};

interface Job {
  port: number;
  stop(): Promise<void>;
}

function startJob(dir: string): Promise<Job> {
  const env = { ...process.env, VIEWER_SHA256: tokenHash(VIEWER), OPERATOR_SHA256: tokenHash(OPERATOR) };
  const child = spawn(process.execPath, [cli, 'run', 'topology.yaml'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((resolvePort, reject) => {
    const onData = (d: Buffer) => {
      printed += d;
      const port = /query endpoint listening on 127\.0\.0\.1:(\d+)/.exec(printed)?.[1];
      if (port)
        resolvePort({
          port: Number(port),
          stop: async () => {
            child.kill('SIGTERM');
            assert.equal(await exited, 0, `the job stops cleanly: ${printed}`);
          },
        });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`job exited (${code}) before listening: ${printed}`)));
  });
}

/** The fields of the answers this test reads. */
interface Answer {
  message?: string;
  asOf?: number;
  command?: { id: string };
  rollouts?: Array<{ rollout: string; share: number; status: string; steps: number }>;
}

async function call(port: number, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Answer }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Answer };
}

const rollout = async (port: number, id: string): Promise<RolloutState> => {
  const r = await call(port, 'GET', `/rollouts/${id}`, VIEWER);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as RolloutState;
};

/** Polls a route until `done` holds (the state the job commits is what is waited for), up to two minutes. */
async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function command(port: number, id: string, name: string, reason: string): Promise<RolloutState> {
  const r = await call(port, 'POST', `/rollouts/${id}/${name}`, OPERATOR, { reason });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const commandId = r.body.command!.id;
  return until(
    `${name} of ${id} applied`,
    () => rollout(port, id),
    (s) => s.steps.some((x) => x.command === commandId),
  );
}

test('rollouts on the runtime: advance on evidence, roll back on harm, operator routes with roles, the same after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rollouts-'));
  const events = join(dir, 'events.jsonl');
  writeFileSync(join(dir, 'topology.yaml'), readFileSync(fixture, 'utf8'));
  writeFileSync(events, '');
  let job = await startJob(dir);
  try {
    const { port } = job;
    const listed = await call(port, 'GET', '/rollouts', VIEWER);
    assert.deepEqual(
      listed.body.rollouts!.map((r) => [r.rollout, r.share, r.status, r.steps]),
      [
        ['good', 5, 'running', 0],
        ['harm', 5, 'running', 0],
        ['manual', 5, 'running', 0],
      ],
    );
    assert.equal((await call(port, 'GET', '/rollouts/nope', VIEWER)).status, 404);

    // The operator routes: a token of the operator role, and a reason.
    const advance = (token?: string, body: unknown = { reason: 'ship it' }) => call(port, 'POST', '/rollouts/manual/advance', token, body);
    assert.equal((await advance()).status, 401);
    const asViewer = await advance(VIEWER);
    assert.equal(asViewer.status, 403);
    assert.match(asViewer.body.message!, /needs role operator or above; token 'dashboards' has role viewer/);
    assert.equal((await advance(OPERATOR, {})).status, 400);
    let manual = await command(port, 'manual', 'advance', 'ship it');
    assert.deepEqual(
      manual.steps.map((s) => [s.seq, s.action, s.trigger, s.fromShare, s.toShare, s.reason]),
      [[1, 'advance', 'operator', 5, 20, 'operator: ship it']],
    );
    manual = await command(port, 'manual', 'pause', 'waiting for the weekend');
    assert.equal(manual.status, 'paused');
    const again = await call(port, 'POST', '/rollouts/manual/pause', OPERATOR, { reason: 'twice' });
    assert.equal(again.status, 409);
    assert.match(again.body.message!, /pause applies to a rollout that is running; this one is paused/);
    manual = await command(port, 'manual', 'resume', 'weekend over');
    assert.equal(manual.status, 'running');

    // The closed loop: users assigned at each rollout's current share.
    const random = mulberry32(21);
    const T0 = Math.ceil(Date.now() / E) * E;
    let state: Record<string, RolloutState> = {};
    let round = 0;
    for (; round < 14; round++) {
      state = Object.fromEntries(await Promise.all(['good', 'harm', 'manual'].map(async (id) => [id, await rollout(port, id)])));
      if (state.good!.status === 'completed' && state.harm!.status === 'rolled-back') break;
      const start = T0 + 2 * round * E;
      const lines: string[] = [];
      for (const [id, s] of Object.entries(state))
        for (let i = 0; i < USERS_PER_ROUND; i++) {
          const userId = `${id}-${round}-${i}`;
          const arm = isTreated(id, userId, s.share) ? 'treatment' : 'control';
          lines.push(JSON.stringify({ type: 'exposure', userId, ts: start + i, experiment: { id, variant: arm, randomized: true } }));
          if (random() < CONVERSION[id]![arm]) lines.push(JSON.stringify({ type: 'purchase', userId, itemId: 'i1', price: 10, qty: 1, ts: start + 1000 + i }));
        }
      // A tick at the next multiple of E: the report of this round. A second one, an interval later: the rollouts' look at it.
      lines.push(JSON.stringify({ type: 'view', userId: 'tick', itemId: 'i1', ts: start + E }));
      appendFileSync(events, `${lines.join('\n')}\n`);
      // Every rollout's report of the round is committed before the tick that fires the looks at it.
      for (const id of Object.keys(state))
        await until(
          `the report of ${id} in round ${round}`,
          () => call(port, 'GET', `/experiments/${id}`, VIEWER),
          (r) => r.status === 200 && r.body.asOf! >= start + E,
        );
      appendFileSync(events, `${JSON.stringify({ type: 'view', userId: 'tick', itemId: 'i1', ts: start + 2 * E })}\n`);
      // A rolled-back rollout looks no more.
      for (const [id, s] of Object.entries(state))
        if (s.status !== 'rolled-back')
          await until(
            `rollout ${id} looking at round ${round}`,
            () => rollout(port, id),
            (x) => (x.evidence?.asOf ?? 0) >= start + E,
          );
    }
    assert.ok(round < 14, `good ${state.good!.status}, harm ${state.harm!.status} after 14 rounds`);

    const good = state.good!;
    assert.deepEqual(
      good.steps.map((s) => [s.action, s.trigger, s.fromShare, s.toShare]),
      [
        ['advance', 'guardrails', 5, 20],
        ['advance', 'guardrails', 20, 50],
        ['advance', 'guardrails', 50, 100],
      ],
    );
    for (const s of good.steps) {
      const look = s.evidence!.guardrails[0]!;
      assert.ok(look.safe && look.lower! > -0.05, `advance on a lower bound above -margin: ${JSON.stringify(look)}`);
      assert.ok(s.evidence!.gainedThisStage.control >= 40 && s.evidence!.gainedThisStage.treatment >= 40);
    }
    const harm = state.harm!;
    assert.equal(harm.share, 0);
    assert.ok(Math.max(...harm.steps.map((s) => s.toShare)) <= 20, 'never past its second step');
    const rollback = harm.steps.at(-1)!;
    assert.equal(rollback.action, 'rollback');
    assert.ok(rollback.evidence!.guardrails[0]!.harm && rollback.evidence!.guardrails[0]!.upper! < 0);

    manual = await command(port, 'manual', 'rollback', 'enough');
    assert.equal(manual.share, 0);
    assert.equal((await call(port, 'POST', '/rollouts/manual/advance', OPERATOR, { reason: 'again' })).status, 409);
    assert.deepEqual(
      manual.steps.map((s) => s.action),
      ['advance', 'pause', 'resume', 'rollback'],
    );

    // Assignments: the hash at the current share.
    for (const userId of ['u1', 'u2', 'someone-else']) {
      const a = (await call(port, 'GET', `/rollouts/manual/assignments/${userId}`, VIEWER)).body;
      assert.deepEqual(a, { rollout: 'manual', userId, bucket: rolloutBucket('manual', userId), share: 0, status: 'rolled-back', arm: 'control' });
    }

    // Every step once in the output, as kept in state.
    const before: Record<string, RolloutState> = {};
    for (const id of ['good', 'harm', 'manual']) before[id] = await rollout(port, id);
    const emitted = () =>
      readFileSync(join(dir, 'rollout-steps.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).value as RolloutStep);
    const stepsOf = (states: Record<string, RolloutState>) => Object.values(states).flatMap((s) => s.steps);
    await until(
      'every step in the output file',
      async () => (existsSync(join(dir, 'rollout-steps.jsonl')) ? emitted().length : 0),
      (n) => n >= stepsOf(before).length,
    );
    assert.deepEqual(
      emitted().sort((a, b) => a.rollout.localeCompare(b.rollout) || a.seq - b.seq),
      stepsOf(before),
    );
    assert.equal(existsSync(join(dir, 'dead-letters.jsonl')) ? readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8') : '', '', 'no dead letters');
    const buckets = await Promise.all(['a', 'b', 'c'].map(async (u) => (await call(port, 'GET', `/rollouts/good/assignments/${u}`, VIEWER)).body));

    // Stopped and started again on the same state directory.
    await job.stop();
    job = await startJob(dir);
    const port2 = job.port;
    for (const id of ['good', 'harm', 'manual']) assert.deepEqual(await rollout(port2, id), before[id], `${id} after the restart`);
    assert.deepEqual(await Promise.all(['a', 'b', 'c'].map(async (u) => (await call(port2, 'GET', `/rollouts/good/assignments/${u}`, VIEWER)).body)), buckets);
    const after = await command(port2, 'good', 'rollback', 'a late complaint');
    assert.deepEqual(
      after.steps.map((s) => [s.seq, s.action, s.trigger]),
      [...before.good!.steps.map((s) => [s.seq, s.action, s.trigger]), [4, 'rollback', 'operator']],
      'the commands applied before are not applied again; the new one is the next step',
    );
    assert.deepEqual(await rollout(port2, 'manual'), before.manual);
  } finally {
    await job.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
