/**
 * The console's rollout and rules pages in a real browser (chromium.ts), on a job run by the `flywheel` command with
 * a rollout step fed by an experiments step and a followed command log, and a contact step with a rules file
 * (fixtures/rollout-job.yaml), with viewer and operator tokens:
 *   - one round of exposures and purchases of rollout coupon-policy, users assigned by the rollout's hash at its 5%
 *     (treatment converting at 0.5 against 0.2), lets the guardrail advance it; its page then shows the step with its
 *     reason and evidence, and draws the share and the guardrail's always-valid interval;
 *   - a viewer sees the commands disabled with why, and a POST forced from the page is refused with 403 and logs
 *     nothing;
 *   - the rules page shows the decision rules as written and each contact rule with what it means;
 *   - an operator pauses rollout manual from the page (a reason, a confirmation), sees the 202, then the pause as a
 *     new step with its reason and the status paused; pausing again shows the 409;
 *   - stopped and started again on the same state, the job serves the rollout still paused, with its one pause step;
 *   - no page shows a token or a token's hash, and no script error happens.
 * Screenshots go to CONSOLE_SCREENSHOTS (default out/console-screenshots).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/seeded-random.js';
import { isTreated } from '../../src/jobs/rollouts/rollout-assignment.js';
import type { RolloutState } from '../../src/jobs/rollouts/rollout-decision.js';
import { tokenHash } from '../../src/query/access-policy.js';
import { launchChromium } from './chromium.js';
import { giveToken, go, shoot, until } from './console-page.js';
import { runJob } from './running-job.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../test/console/fixtures/${name}`, import.meta.url));
const TOKENS = { viewer: 'rollout-view-71ac', operator: 'rollout-op-d93e' };
const E = 10_000;
const USERS = 2_000;
const CONVERSION = { control: 0.2, treatment: 0.5 };

test('the rollout and rules pages in a real browser: evidence and steps, commands by role, rules in words', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'flywheel-console-rollouts-'));
  const tokensFile = join(out, 'tokens.yaml');
  writeFileSync(tokensFile, JSON.stringify(Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}-token`, sha256: tokenHash(token), role }))));
  const events = join(out, 'events.jsonl');
  const commands = join(out, 'commands.jsonl');
  writeFileSync(events, '');
  writeFileSync(join(out, 'actions.jsonl'), '');
  const start = () =>
    runJob([fixture('rollout-job.yaml')], { CONSOLE_TEST_OUT: out, CONSOLE_TEST_TOKENS: tokensFile, CONSOLE_TEST_RULES: fixture('console-rules.yaml') });
  let job = await start();
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await job.stop();
    rmSync(out, { recursive: true, force: true });
  });
  const asViewer = async (path: string) => (await fetch(`${job.url}${path}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).json();
  const rollout = (id: string) => asViewer(`rollouts/${id}`) as Promise<RolloutState>;
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const noSecrets = async (where: string) => {
    const html = await page.content();
    for (const secret of [...Object.values(TOKENS), ...Object.values(TOKENS).map(tokenHash)])
      assert.ok(!html.includes(secret), `${where} shows no token or token hash`);
  };

  await t.test('the guardrail advances a rollout on evidence; its page shows the step, the evidence and both plots', async () => {
    // One round: users assigned at the rollout's share, a tick that closes the report, then one that fires the look.
    const random = mulberry32(7);
    const start = Math.ceil(Date.now() / E) * E;
    const lines: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const userId = `u${i}`;
      const arm = isTreated('coupon-policy', userId, 5) ? 'treatment' : 'control';
      lines.push(JSON.stringify({ type: 'exposure', userId, ts: start + i, experiment: { id: 'coupon-policy', variant: arm, randomized: true } }));
      if (random() < CONVERSION[arm]) lines.push(JSON.stringify({ type: 'purchase', userId, itemId: 'i1', price: 10, qty: 1, ts: start + 3_000 + i }));
    }
    lines.push(JSON.stringify({ type: 'view', userId: 'tick', itemId: 'i1', ts: start + E }));
    appendFileSync(events, `${lines.join('\n')}\n`);
    await until('the report of coupon-policy', async () => {
      const report = (await asViewer('experiments/coupon-policy')) as { asOf?: number };
      return (report.asOf ?? 0) >= start + E ? report : null;
    });
    appendFileSync(events, `${JSON.stringify({ type: 'view', userId: 'tick', itemId: 'i1', ts: start + 2 * E })}\n`);
    const advanced = await until('coupon-policy advanced on its guardrail', async () => {
      const s = await rollout('coupon-policy');
      return s.steps.length > 0 ? s : null;
    });
    assert.deepEqual(
      advanced.steps.map((s) => [s.action, s.trigger, s.fromShare, s.toShare]),
      [['advance', 'guardrails', 5, 20]],
    );

    await page.goto(job.url);
    await giveToken(page, TOKENS.viewer);
    await page.getByTestId('readiness').waitFor();
    await go(page, '#/rollouts');
    const listed = page.getByTestId('rollouts');
    await listed.waitFor();
    assert.equal(await listed.locator('tr[data-rollout="coupon-policy"] [data-field="share"]').textContent(), '20%');
    assert.equal(await listed.locator('tr[data-rollout="manual"] [data-field="status"]').textContent(), 'running');
    assert.match((await listed.locator('tr[data-rollout="coupon-policy"] td.reason').textContent())!, /every guardrail excludes harm beyond its margin/);
    await shoot(page, 'rollouts');

    await listed.getByText('coupon-policy').click();
    const step = page.locator('[data-testid="rollout-steps"] tr[data-seq="1"]');
    await step.waitFor();
    assert.equal(await step.locator('[data-field="reason"]').textContent(), advanced.steps[0]!.reason);
    assert.equal(await page.getByTestId('evidence').locator('tbody tr').count(), 1, 'one guardrail in the evidence');
    for (const chart of ['share-chart', 'guardrail-converted']) await page.getByTestId(chart).locator('canvas').waitFor();
    await shoot(page, 'rollout-evidence');
  });

  await t.test('a viewer sees the commands disabled with why, and a forced POST is refused with 403', async () => {
    await go(page, '#/rollouts/manual');
    await page.getByTestId('commands-disabled').waitFor();
    assert.match((await page.getByTestId('commands-disabled').textContent())!, /token 'viewer-token' has role viewer; the commands need operator or admin/);
    for (const command of ['pause', 'resume', 'advance', 'rollback'])
      assert.equal(await page.locator(`button[data-command="${command}"]`).isDisabled(), true, `${command} is disabled for a viewer`);
    const forced = (await page.evaluate(`fetch('rollouts/manual/pause', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + sessionStorage.getItem('flywheel.token'), 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'forced' }),
    }).then(async (res) => ({ status: res.status, body: await res.json() }))`)) as { status: number; body: { message: string } };
    assert.equal(forced.status, 403);
    assert.match(forced.body.message, /needs role operator or above; token 'viewer-token' has role viewer/);
    assert.equal(existsSync(commands) ? readFileSync(commands, 'utf8') : '', '', 'nothing logged');
    await shoot(page, 'rollout-viewer');
    await noSecrets('the rollout page');
  });

  await t.test('the rules page shows the decision rules as written and what each contact rule means', async () => {
    await go(page, '#/rules');
    const decisionRules = page.getByTestId('decision-rules');
    await decisionRules.waitFor();
    assert.equal(
      await decisionRules.locator('tr[data-rule="contacted_this_week"] td').nth(1).textContent(),
      'user.lastContactedAt != null && now - user.lastContactedAt < 7 * dayMs',
    );
    assert.match((await decisionRules.locator('tr[data-rule="big_spenders"]').textContent())!, /offer\.coupon becomes offer\.coupon \* 2/);
    const meaning = (id: string) => page.locator(`[data-testid="contact-rules"] tr[data-rule="${id}"] [data-field="meaning"]`).textContent();
    assert.match((await meaning('three-days-apart'))!, /^No message less than 3d before or after another one/);
    assert.match((await meaning('two-a-week'))!, /^At most 2 messages in any rolling 7d/);
    assert.match(
      (await meaning('quiet-nights'))!,
      /^No message from 21:00 to 08:00 \(across midnight\) in the user's local time \(the action's timeZone field, else Europe\/Berlin\), on sms, push only/,
    );
    await shoot(page, 'rules');
    await noSecrets('the rules page');
  });

  await t.test('an operator pauses a rollout from the page and sees the new step; a second pause shows the 409', async () => {
    await go(page, '#/rollouts/manual');
    await page.click('button.signout');
    await giveToken(page, TOKENS.operator);
    const pause = page.locator('button[data-command="pause"]');
    await page.waitForFunction(`!document.querySelector('button[data-command="pause"]')?.disabled`);
    await pause.click();
    const confirm = page.getByTestId('confirm-command');
    assert.equal(await confirm.locator('button[type=submit]').isDisabled(), true, 'no confirmation without a reason');
    await confirm.locator('input[name=reason]').fill('holding for the campaign review');
    await confirm.locator('button[type=submit]').click();
    const answer = page.getByTestId('command-answer');
    await answer.waitFor();
    assert.equal(await answer.getAttribute('data-status'), '202', (await answer.textContent())!);
    const logged = JSON.parse(readFileSync(commands, 'utf8').trim()) as { id: string };
    assert.match((await answer.textContent())!, new RegExp(`accepted as command ${logged.id}`));
    const step = page.locator('[data-testid="rollout-steps"] tr[data-seq="1"]');
    await step.waitFor({ timeout: 60_000 });
    assert.equal(await step.locator('[data-field="action"]').textContent(), 'pause');
    assert.equal(await step.locator('[data-field="reason"]').textContent(), 'operator: holding for the campaign review');
    assert.match((await step.textContent())!, new RegExp(`command ${logged.id}`));
    await page.waitForFunction(`document.querySelector('[data-testid="rollout-state"] [data-field="status"]')?.textContent === 'paused'`);
    await shoot(page, 'rollout-paused');

    await pause.click();
    await confirm.locator('input[name=reason]').fill('again');
    await confirm.locator('button[type=submit]').click();
    await page.waitForFunction(`document.querySelector('[data-testid="command-answer"]')?.dataset.status === '409'`);
    assert.match((await answer.textContent())!, /pause applies to a rollout that is running; this one is paused/);
    await noSecrets('the rollout page as operator');
  });

  await t.test('the rollout paused from the page stays paused across a restart of the job', async () => {
    const before = await rollout('manual');
    await job.stop();
    job = await start();
    // A new port is a new origin: the tab's token is not there, so the page asks again.
    await page.goto(`${job.url}#/rollouts/manual`);
    await giveToken(page, TOKENS.viewer);
    await page.waitForFunction(`document.querySelector('[data-testid="rollout-state"] [data-field="status"]')?.textContent === 'paused'`);
    assert.equal(await page.locator('[data-testid="rollout-steps"] tbody tr').count(), 1, 'the pause once, not applied again');
    assert.equal(
      await page.locator('[data-testid="rollout-steps"] tr[data-seq="1"] [data-field="reason"]').textContent(),
      'operator: holding for the campaign review',
    );
    assert.deepEqual(await rollout('manual'), before, 'the same state after the restart');
    await shoot(page, 'rollout-paused-after-restart');
  });

  assert.deepEqual(pageErrors, [], 'no script error on any page');
});
