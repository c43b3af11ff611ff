/**
 * topologies/campaign.yaml as shipped, through `flywheel run` in a child process (worker threads, LMDB, the endpoint
 * on a real port), on a bounded feed and with no language model reachable: silent users get coupon decisions, every
 * action gets the fallback copy (its cause marked) and is counted once on the copy step's fallbacks output, the
 * contact rules hold on what is sent (checked from their plain statement: no user twice within a day, at most 3 in
 * any 7 days), repeated decisions are suppressed, and GET /rollouts/coupon-policy-v2 answers. The rollout follows the
 * generator's truth: with the policy's true effect on purchases good (+0.8 log-odds) it advances past 5%; harmful
 * (-0.8) it is rolled back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../../harness/cli-run.js';
import { fileSinkDeliveries } from '../../harness/output-payloads.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DAY = 86_400_000;
const TEMPLATE = (coupon: number) => `We miss you: ${coupon}% off your next order.`;

interface Action {
  actionId: string;
  userId: string;
  offer: { coupon: number; channel: string };
  decidedAt: number;
  policyVersion: string;
  copy: string;
  copyFallback?: string;
}

interface RolloutAnswer {
  status: string;
  share: number;
  steps: Array<{ action: string; toShare: number }>;
}

const values = <T>(file: string): T[] => fileSinkDeliveries(file).map((d) => (d.payload as { value: T }).value);

/** Runs the shipped campaign in `dir` until its feed is read and its outputs delivered, and the rollout has decided. */
async function runCampaign(dir: string, effect: number, decided: (r: RolloutAnswer) => boolean): Promise<{ rollout: RolloutAnswer; metrics: string }> {
  mkdirSync(join(dir, 'topologies/rules'), { recursive: true });
  cpSync(join(repo, 'topologies/campaign.yaml'), join(dir, 'topologies/campaign.yaml'));
  cpSync(join(repo, 'topologies/rules/campaign.yaml'), join(dir, 'topologies/rules/campaign.yaml'));
  const env: NodeJS.ProcessEnv = { ...process.env, CAMPAIGN_PORT: '0', CAMPAIGN_COUNT: '60000', CAMPAIGN_RATE: '2000', CAMPAIGN_POLICY_EFFECT: String(effect) };
  for (const name of ['LLM_BASE_URL', 'LLM_MODEL', 'OPENAI_API_KEY']) delete env[name];
  const child = spawn(process.execPath, [cli, 'run', 'topologies/campaign.yaml'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    const port = await new Promise<number>((found, reject) => {
      const onData = (d: Buffer) => {
        printed += d;
        const m = /query endpoint listening on [^:\s]+:(\d+)/.exec(printed);
        if (m) found(Number(m[1]));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`the job exited (${code}) before listening: ${printed}`)));
    });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: res.status, text: await res.text() };
    };
    // Done: the feed read, nothing queued or waiting for its sink (a status line says so), and the rollout decided.
    for (;;) {
      const status = printed.split('\n').findLast((l) => l.includes('"event":"status"')) ?? '';
      const drained = status.includes('"endOfInput":true') && status.includes('"queued":0,') && status.includes('"outboxPending":0,');
      const answer = await get('/rollouts/coupon-policy-v2');
      assert.equal(answer.status, 200, answer.text);
      const rollout = JSON.parse(answer.text) as RolloutAnswer;
      if (drained && decided(rollout)) {
        return { rollout, metrics: (await get('/metrics')).text };
      }
      assert.equal(child.exitCode, null, `the job is still running: ${printed.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500)); // polling the job's answers, not waiting on time
    }
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `the job stops cleanly: ${printed.slice(-2000)}`);
  }
}

function metric(text: string, name: string, step: string): number {
  const m = new RegExp(`^${name}\\{[^}]*step="${step}"[^}]*\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test('the campaign sends coupon actions with fallback copy under the contact rules; a good policy is rolled out', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-campaign-'));
  try {
    const { rollout, metrics } = await runCampaign(dir, 0.8, (r) => r.share > 5 || r.status === 'rolled-back');
    assert.notEqual(rollout.status, 'rolled-back', 'a policy that raises purchases is not rolled back');
    assert.ok(rollout.share >= 20, `advanced: ${JSON.stringify(rollout.steps)}`);

    const out = join(dir, 'out/campaign');
    const sent = values<Action>(join(out, 'sent.jsonl'));
    const suppressed = values<{ action: Action; rule: string }>(join(out, 'suppressed.jsonl'));
    const fallbacks = values<{ recordId: string; step: string; cause: string }>(join(out, 'copy-fallbacks.jsonl'));
    assert.ok(sent.length > 100, `actions were sent: ${sent.length}`);
    assert.ok(suppressed.length > 0, 'users decided again within a day are suppressed');
    assert.ok(
      suppressed.every((s) => s.rule === 'one-a-day'),
      'the feed spans minutes of event time: only the daily gap can bind',
    );
    // Copy: no model is reachable, so every action carries the template, filled from its own offer, and its cause.
    for (const a of [...sent, ...suppressed.map((s) => s.action)]) {
      assert.equal(a.copy, TEMPLATE(a.offer.coupon));
      assert.ok(a.copyFallback === 'failed' || a.copyFallback === 'breaker', `cause ${a.copyFallback}`);
    }
    assert.equal(fallbacks.length, sent.length + suppressed.length, 'each action fell back once and was counted once');
    assert.equal(metric(metrics, 'flywheel_records_in_total', 'copy-fallbacks'), fallbacks.length);
    assert.equal(metric(metrics, 'flywheel_records_in_total', 'send'), sent.length);
    // The contact rules, from their plain statement, on what was sent.
    const byUser = new Map<string, number[]>();
    for (const a of sent) byUser.set(a.userId, [...(byUser.get(a.userId) ?? []), a.decidedAt]);
    for (const [user, times] of byUser) {
      times.sort((x, y) => x - y);
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= DAY, `${user} contacted twice within a day`);
      for (const t of times) assert.ok(times.filter((u) => u >= t && u < t + 7 * DAY).length <= 3, `${user} over 3 a week`);
    }
    assert.equal(new Set(sent.map((a) => a.actionId)).size, sent.length, 'no action sent twice');
    assert.ok(sent.some((a) => a.policyVersion === 'treatment') && sent.some((a) => a.policyVersion === 'control'), 'actions name the policy arm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Not asserted: that it never passes 20%. The guardrail counts users whose outcomes are still immature (the
// experiments step has no in-progress exclusion), so the first looks may see both arms near 0 and call it safe:
// seen rolled back at 5% in one run, and after advancing to 20% and 50% in another (docs/actions.md).
test('the campaign rolls a harmful policy back', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-campaign-harm-'));
  try {
    const { rollout } = await runCampaign(dir, -0.8, (r) => r.status === 'rolled-back' || r.status === 'completed');
    assert.equal(rollout.status, 'rolled-back', JSON.stringify(rollout.steps));
    assert.equal(rollout.share, 0);
    assert.equal(rollout.steps.at(-1)!.action, 'rollback');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
