/**
 * The console end to end in a real browser (chromium.ts): a job run by the `flywheel` command with access tokens,
 * reached through a reverse proxy that serves it under /flywheel/. The page asks for a token, then shows the job;
 * its rates move as the job reads; an experiment's page draws its intervals over time; a viewer sees dead letters
 * without their records (the record route refuses it) while an admin sees one, and no token or token hash is ever
 * on a page (the rollout and rules pages are tested on a job with those steps: rollouts-browser.test.ts). Screenshots
 * go to CONSOLE_SCREENSHOTS (default out/console-screenshots). The first load's bytes over the wire and its time to
 * the first rendered status are reported as diagnostics.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenHash } from '../../src/query/access-policy.js';
import { launchChromium } from './chromium.js';
import { giveToken, go, shoot, until } from './console-page.js';
import { runJob } from './running-job.js';
import { firstLoad } from './first-load.js';

const FIXTURE = fileURLToPath(new URL('../../../test/console/fixtures/console-job.yaml', import.meta.url));
const TOKENS = { viewer: 'console-view-5e1d', admin: 'console-admin-9c2a' };
const PREFIX = '/flywheel/';

/** A reverse proxy serving `target` under PREFIX, as one in front of a job's endpoint would. */
async function prefixProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    if (!req.url!.startsWith(PREFIX.slice(0, -1))) return void res.writeHead(404).end();
    const path = `/${req.url!.slice(PREFIX.length)}`;
    const forwarded = request({ host: upstream.hostname, port: upstream.port, path, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

test('the console in a real browser: a running job behind a path prefix, with tokens', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'flywheel-console-'));
  const tokensFile = join(out, 'tokens.yaml');
  writeFileSync(tokensFile, JSON.stringify(Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}-token`, sha256: tokenHash(token), role }))));
  const job = await runJob([FIXTURE], { CONSOLE_TEST_OUT: out, CONSOLE_TEST_TOKENS: tokensFile });
  const proxy = await prefixProxy(job.url);
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await new Promise((done) => proxy.close(done));
    await job.stop();
    rmSync(out, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${PREFIX}`;
  const asViewer = (path: string) => fetch(`${job.url}${path}`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  await t.test('the page loads under the prefix (also without its last slash), asks for a token, then shows the job', async () => {
    await page.goto(base.slice(0, -1));
    await giveToken(page, TOKENS.viewer);
    await page.getByTestId('readiness').waitFor();
    await page.getByTestId('plan-graph').waitFor();
    assert.equal(new URL(page.url()).pathname, PREFIX);
    for (const step of ['events', 'parse', 'experiment-estimates'])
      assert.equal(await page.locator(`tr[data-step="${step}"]`).count(), 1, `a row for step ${step}`);
  });

  await t.test('rates move as the job reads, without a reload', async () => {
    const countCell = page.locator('tr[data-step="events"] td').nth(3);
    const before = await countCell.textContent();
    await page.waitForFunction(`document.querySelectorAll('tr[data-step="events"] td')[3]?.textContent !== ${JSON.stringify(before)}`, undefined, {
      timeout: 30_000,
    });
    const after = await countCell.textContent();
    assert.ok(Number(after!.replaceAll(',', '')) > Number(before!.replaceAll(',', '')), `records in of 'events' grew: ${before} -> ${after}`);
    const rate = await until('a records-in rate', async () => {
      const text = await page.locator('tr[data-step="events"] [data-field="inPerSecond"]').textContent();
      return text && text !== '–' ? Number(text.replace(/[,/s]/g, '')) : null;
    });
    // The generator's pace is 400 records/s of wall clock; on a loaded machine it may fall behind, never run ahead.
    assert.ok(rate > 0 && rate < 600, `events in/s ${rate}`);
    assert.equal(await page.getByTestId('rates-chart').locator('canvas').count(), 1);
    await shoot(page, 'job');
  });

  await t.test("an experiment's page plots its fixed-horizon and always-valid intervals over time", async () => {
    // Two reports with an always-valid interval: the plot then has a line and both bands to draw.
    await until('two reports of ranker with always-valid intervals', async () => {
      const res = await asViewer('experiments/ranker/history');
      if (res.status !== 200) return null;
      const { points } = (await res.json()) as { points: Array<{ metrics: Record<string, Record<string, { alwaysValidLower: number | null }>> }> };
      return points.filter((p) => p.metrics.clicks?.a?.alwaysValidLower != null).length >= 2 ? points : null;
    });
    await go(page, '#/experiments');
    await page.getByTestId('experiments').getByText('ranker').click();
    const plot = page.getByTestId('intervals-clicks-a');
    await plot.locator('canvas').waitFor();
    await page.getByTestId('srm').waitFor();
    // The canvas has been drawn on: more than one colour in it.
    type Canvas = {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
    };
    const colours = await plot.locator('canvas').evaluate((canvas: Canvas) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    });
    assert.ok(colours > 2, `the intervals plot has drawn lines and bands (${colours} colours sampled)`);
    await shoot(page, 'experiment');
  });

  await t.test("a viewer sees dead letters without their records; an admin sees one's record; no page shows a token", async () => {
    await go(page, '#/job');
    const deadLetters = page.getByTestId('dead-letters');
    await deadLetters.locator('tbody tr').first().waitFor({ timeout: 30_000 });
    await deadLetters.locator('button', { hasText: 'record' }).first().click();
    const refused = await page.getByTestId('record-refused').textContent();
    assert.match(refused!, /GET \/dead-letters\/:id needs role admin or above; token 'viewer-token' has role viewer/);
    assert.equal(await page.locator('pre.record').count(), 0, 'no record on the page');
    await shoot(page, 'dead-letters-viewer');
    for (const hash of ['#/job', '#/experiments/ranker', '#/api']) {
      await go(page, hash);
      await page.locator('main section').first().waitFor();
      const html = await page.content();
      for (const secret of [...Object.values(TOKENS), ...Object.values(TOKENS).map(tokenHash)])
        assert.ok(!html.includes(secret), `${hash} shows no token or token hash`);
    }

    await go(page, '#/job');
    await page.click('button.signout');
    await giveToken(page, TOKENS.admin);
    await deadLetters.locator('tbody tr').first().waitFor();
    await deadLetters.locator('button', { hasText: 'record' }).first().click();
    await page.locator('pre.record').waitFor();
    await shoot(page, 'dead-letters-admin');
  });

  await t.test('first load: bytes over the wire and time to the first rendered status', async () => {
    // A new tab with the token already given (the console keeps it per tab), so the load is not held up by typing it.
    const fresh = await browser.context.newPage();
    await fresh.addInitScript(`sessionStorage.setItem('flywheel.token', ${JSON.stringify(TOKENS.viewer)})`);
    const load = await firstLoad(fresh, base, '[data-testid="steps"]');
    t.diagnostic(
      `first load through the proxy: ${load.bytes} bytes over the wire in ${load.requests} requests (the page's files and its first data), status rendered ${load.renderedMs.toFixed(0)} ms after navigation start`,
    );
    assert.ok(load.bytes < 100_000, `the first load stays small: ${load.bytes} bytes`);
    await fresh.close();
  });

  assert.deepEqual(pageErrors, [], 'no script error on any page');
});
