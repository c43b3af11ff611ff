/**
 * The contact step in a YAML job on the real runtime (file source, worker threads, LMDB): every action is either
 * sent or suppressed with the rule a plain reference names (test/jobs/actions/reference-contact.ts), suppressed
 * ones carry the action and the reason, and an action with an unknown time zone goes to the dead letters naming it.
 * A rules file without a contact section stops the job at load, naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { seededActions, writeContactJob, type Action } from '../../harness/contact-job.js';
import { referenceVerdicts } from './reference-contact.js';

function lines<T>(file: string): T[] {
  const text = readFileSync(file, 'utf8').trim();
  return text === '' ? [] : text.split('\n').map((l) => JSON.parse(l) as T);
}

/** Runs the job to its end; resolves to its /metrics text. */
async function run(topology: string, dir: string): Promise<string> {
  const { graph } = await loadTopology(topology);
  const stateDir = join(dir, 'state');
  const runner = new JobRunner({ job: { kind: 'topology', file: topology }, graph, stateDir, baseDir: dir, workers: 2, slots: 4 });
  await runner.run();
  const app = buildQueryApp(jobView(runner, stateDir), routeContributions(graph));
  try {
    return (await app.inject({ method: 'GET', url: '/metrics' })).body;
  } finally {
    await app.close();
  }
}

test('a YAML job sends or suppresses each action as the reference does, with the rule and reason', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-contact-job-'));
  try {
    const actions = seededActions(11, 2_000, 40, 10 * 60_000);
    const badZone = { ...actions[5]!, actionId: 'bad-zone', timeZone: 'Mars/Olympus' };
    const metrics = await run(writeContactJob(dir, { actions: [...actions, badZone] }), dir);

    const expected = referenceVerdicts(actions);
    const sent = lines<{ value: Action }>(join(dir, 'sent.jsonl')).map((o) => o.value);
    const suppressed = lines<{ value: { action: Action; rule: string; reason: string } }>(join(dir, 'suppressed.jsonl')).map((o) => o.value);
    const got = new Map<string, string | null>([
      ...sent.map((a) => [a.actionId, null] as const),
      ...suppressed.map((s) => [s.action.actionId, s.rule] as const),
    ]);
    assert.equal(sent.length + suppressed.length, actions.length, 'each action comes out once');
    assert.deepEqual(got, expected);

    const ofRule = (rule: string) => suppressed.filter((s) => s.rule === rule);
    for (const rule of ['one-a-day', 'three-a-week', 'quiet-nights'])
      assert.ok(ofRule(rule).length > 20, `the input exercises ${rule} (${ofRule(rule).length})`);
    assert.ok(sent.length > 100, `${sent.length} actions sent`);
    assert.deepEqual(
      sent[0],
      actions.find((a) => a.actionId === sent[0]!.actionId),
      'a sent action is passed on unchanged',
    );
    const night = ofRule('quiet-nights')[0]!;
    assert.match(night.reason, /^\d\d:\d\d in (UTC|Asia\/Kolkata|Europe\/Berlin) is within the quiet hours 22:00-07:00$/);
    assert.ok(
      suppressed.some((s) => s.action.timeZone === 'Europe/Berlin' && s.rule === 'quiet-nights' && s.action.decidedAt > Date.UTC(2026, 2, 29, 1)),
      'quiet hours in Berlin after the change to summer time',
    );
    assert.ok(
      suppressed.some((s) => s.rule === 'one-a-day' && /after it/.test(s.reason)),
      'an out-of-order action is judged against a later send',
    );

    assert.match(
      metrics,
      new RegExp(`flywheel_records_in_total\\{step="suppressed",job="contact-job"\\} ${suppressed.length}\\n`),
      'suppressed actions are counted',
    );
    assert.match(metrics, new RegExp(`flywheel_records_in_total\\{step="sent",job="contact-job"\\} ${sent.length}\\n`));

    const dead = lines<{ value: { reason: string; step: string } }>(join(dir, 'dlq.jsonl'));
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.value.step, 'contact');
    assert.match(dead[0]!.value.reason, /action bad-zone: timeZone "Mars\/Olympus" is not a time zone/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rules file without a contact section stops the job before it starts, naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-contact-norules-'));
  try {
    const topology = writeContactJob(dir, { actions: [] });
    writeFileSync(join(dir, 'rules.yaml'), 'inputs: []\ndecision: { action: send }\nrules: []\n');
    await assert.rejects(
      () => run(topology, dir),
      (e: unknown) =>
        e instanceof FlywheelError && e.code === ErrorCodes.RULES_INVALID && e.place.file === join(dir, 'rules.yaml') && /no contact: section/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
