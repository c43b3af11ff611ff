/**
 * The webhook sink in a job run by the CLI against a real HTTP service: every output arrives under its id with the
 * bearer token, which is printed nowhere (nor by describe); outputs the receiver refuses with a 4xx go to the job's
 * dead-letter sink with the answer as their reason (counted as the sink step's dead letters), and the others are
 * delivered; without a dead-letter sink a
 * refusal stops the job with FW_ERR_UNDELIVERABLE naming the sink and the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../harness/cli-run.js';
import { CallServer, type CallRequest } from '../../harness/call-server.js';
import { fileSinkDeliveries } from '../../harness/output-payloads.js';
import { writeWebhookJob } from '../../harness/webhook-job.js';

const TOKEN = 'hook-tkn-93b1c7';
const RECORDS = 300;
/** The receiver refuses updates of records whose n is a multiple of 50 (6 of 300). */
const refuses = (req: CallRequest) => (req.body as { n: number }).n % 50 === 0;

async function withJob(deadLetter: boolean, run: (dir: string, server: CallServer, auth: Set<string>) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-webhook-job-'));
  const auth = new Set<string>();
  const server = await new CallServer(
    (req) => {
      auth.add(String(req.headers.authorization));
      return refuses(req) ? { status: 400, rawBody: 'amount rejected' } : {};
    },
    () => ({}),
  ).start();
  try {
    writeWebhookJob(dir, { records: RECORDS, deadLetter, options: 'concurrency: 8, backoff: { initial: 1ms, max: 5ms }' });
    await run(dir, server, auth);
  } finally {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('refused outputs go to the dead-letter sink with the answer as reason; the rest are delivered once', async () => {
  await withJob(true, async (dir, server, auth) => {
    const env = { HOOK_URL: server.url, HOOK_TOKEN: TOKEN };
    const run = await runCli(['run', join(dir, 'topology.yaml')], env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.callsPerKey.size, RECORDS, 'one key per output');
    assert.equal(server.totalEffects, RECORDS - 6);
    assert.deepEqual(auth, new Set([`Bearer ${TOKEN}`]));
    const letters = fileSinkDeliveries(join(dir, 'dlq.jsonl'));
    const refusedKeys = [...server.callsPerKey.keys()].filter((k) => !server.effects.has(k)).sort();
    assert.deepEqual(
      letters.map((d) => d.id).sort(),
      refusedKeys.map((k) => `${k}/dead-letter`),
    );
    for (const { payload } of letters) {
      const value = (payload as { value: { reason: string; step: string; record: { n: number } } }).value;
      assert.equal(value.step, 'out');
      assert.match(value.reason, /^POST http:\/\/127\.0\.0\.1:\d+\/hook answered 400: amount rejected \(1 call sent\)$/);
      assert.equal(value.record.n % 50, 0, 'the refused output itself is kept');
    }
    // Refusals count as the sink step's dead letters: the log's last summary says how many in all.
    const summaries = run.stdout
      .split('\n')
      .filter((line) => line.includes('"event":"dead-letters"'))
      .map((line) => JSON.parse(line) as { step: string; total: number });
    assert.equal(summaries.filter((e) => e.step === 'out').at(-1)?.total, 6);
    assert.equal(`${run.stdout}${run.stderr}`.includes(TOKEN), false, 'the token is printed nowhere');
    const describe = await runCli(['describe', join(dir, 'topology.yaml')], env);
    assert.equal(describe.code, 0, describe.stderr);
    assert.equal(describe.stdout.includes(TOKEN), false, 'describe hides the token');
  });
});

test('without a dead-letter sink a refusal stops the job with FW_ERR_UNDELIVERABLE, naming the sink and the output', async () => {
  await withJob(false, async (dir, server) => {
    const run = await runCli(['run', join(dir, 'topology.yaml')], { HOOK_URL: server.url, HOOK_TOKEN: TOKEN });
    assert.notEqual(run.code, 0);
    assert.match(
      run.stderr,
      /FW_ERR_UNDELIVERABLE sink out \(webhook:POST http:\/\/127\.0\.0\.1:\d+\/hook\) refused (record|\d+ records, the first) \S+: POST .* answered 400/,
    );
    assert.match(run.stderr, /declare a deadLetter sink/);
    assert.equal(run.stderr.includes(TOKEN), false);
  });
});
