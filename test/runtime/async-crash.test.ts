/**
 * Crash during in-flight calls: a YAML job (file -> keyBy -> async -> file) run by the CLI in a child process is
 * killed with SIGKILL while calls to a real HTTP service are in flight, restarted on the same state directory, three
 * times, then run to its end. The service keeps an idempotency store (one effect per Idempotency-Key): calls are
 * repeated after each crash (more calls than keys), yet no key has a second effect, and the outputs (ids and
 * payloads) equal those of a run that was never interrupted. The bearer token the job sends (from ${API_TOKEN})
 * reaches the service on every call and is printed nowhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliKilledWhen } from '../harness/cli-run.js';
import { CallServer, type CallRequest } from '../harness/call-server.js';
import { assertSamePayloads, fileSinkDeliveries } from '../harness/output-payloads.js';
import { mulberry32 } from '../../src/core/seeded-random.js';

const RECORDS = 3_000;
const TOKEN = 'tkn-7f3a9c1e5b';

const topology = (placement: string) => `name: async-crash
deadLetter: dlq
runtime: { workers: 2, slots: 8, placement: ${placement}, stateDir: ./state, batch: { maxRecords: 256 } }
steps:
  - id: events
    op: source
    connector: { type: file, path: ./in.jsonl }
    eventTime: { field: ts }
  - id: by-user
    op: keyBy
    field: user
  - id: notify
    op: async
    onError: deadLetter
    capacity: 20
    http:
      url: \${CALL_URL}/notify/{user}
      headers: { Authorization: "Bearer \${API_TOKEN}" }
      body: { amount: n, user: user }
    output: { fields: { doubled: doubled, sentTo: user } }
  - id: out
    op: sink
    connector: { type: file, path: ./out.jsonl }
  - id: dlq
    op: sink
    from: []
    connector: { type: file, path: ./dlq.jsonl }
`;

function prepare(placement: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-async-crash-'));
  const input = Array.from({ length: RECORDS }, (_, n) => JSON.stringify({ user: `u${n % 37}`, ts: 1_000 + n, n }));
  writeFileSync(join(dir, 'in.jsonl'), input.join('\n') + '\n');
  writeFileSync(join(dir, 'topology.yaml'), topology(placement));
  return dir;
}

const answer = (req: CallRequest) => ({ doubled: (req.body as { amount: number }).amount * 2 });

/** Runs the job by the CLI; `killWhen` (if given) resolves when it is to be killed. Its stdout and stderr. */
function runJob(dir: string, server: CallServer, killWhen: Promise<void> | null): Promise<{ outcome: 'finished' | 'killed'; printed: string }> {
  return runCliKilledWhen(['run', join(dir, 'topology.yaml')], { CALL_URL: server.url, API_TOKEN: TOKEN }, killWhen);
}

for (const [seed, placement] of [
  [21, 'any'],
  [22, 'pinned'],
] as const) {
  test(`kill -9 during in-flight calls, restart: no duplicate effect, same outputs as an uninterrupted run (${placement} slots)`, {
    timeout: 600_000,
  }, async (t) => {
    const rand = mulberry32(seed);
    const clean = prepare(placement);
    const crashed = prepare(placement);
    const authorizations = new Set<string>();
    const behaviour = (req: CallRequest) => {
      authorizations.add(String(req.headers.authorization));
      return { delayMs: 5 };
    };
    const cleanServer = await new CallServer(behaviour, answer).start();
    const server = await new CallServer(behaviour, answer).start();
    try {
      const cleanRun = await runJob(clean, cleanServer, null);
      assert.equal(cleanRun.outcome, 'finished');
      let printed = cleanRun.printed;
      let kills = 0;
      for (; kills < 3; kills++) {
        // Kill once this start has sent between 200 and 700 calls, at a moment calls are in flight.
        const target = server.calls + 200 + Math.floor(rand() * 500);
        const run = await runJob(
          crashed,
          server,
          server.until(() => server.calls >= target && server.inFlight > 0),
        );
        printed += run.printed;
        if (run.outcome === 'finished') break;
      }
      const last = await runJob(crashed, server, null);
      printed += last.printed;
      assert.equal(last.outcome, 'finished');
      assert.equal(kills, 3, 'the job was killed three times before it could finish');

      assert.equal(server.effects.size, RECORDS, 'a distinct idempotency key per record');
      assert.deepEqual(
        [...server.effects].filter(([, n]) => n !== 1),
        [],
        'no key has a second effect',
      );
      assert.ok(server.calls > RECORDS, `calls in flight at a crash were sent again under their keys (${server.calls} calls for ${RECORDS} keys)`);
      assert.equal(cleanServer.calls, RECORDS, 'the uninterrupted run calls once per record');

      const expected = fileSinkDeliveries(join(clean, 'out.jsonl'));
      const got = fileSinkDeliveries(join(crashed, 'out.jsonl'));
      assert.equal(expected.length, RECORDS);
      assert.deepEqual(new Set(got.map((d) => d.id)), new Set(expected.map((d) => d.id)), 'the same output ids');
      const { duplicatedIds } = assertSamePayloads(expected, got, placement);
      assert.deepEqual(fileSinkDeliveries(join(crashed, 'dlq.jsonl')), []);

      assert.ok(printed.length > 0);
      assert.equal(printed.includes(TOKEN), false, 'the token is printed nowhere');
      const describe = await runCli(['describe', join(crashed, 'topology.yaml')], { CALL_URL: server.url, API_TOKEN: TOKEN });
      assert.equal(describe.code, 0, describe.stderr);
      assert.equal(describe.stdout.includes(TOKEN), false, 'describe hides the token');
      assert.deepEqual(authorizations, new Set([`Bearer ${TOKEN}`]), 'every call carries the token');
      t.diagnostic(
        `${placement}: ${kills} kills, ${server.calls} calls for ${RECORDS} keys, ${got.length - expected.length} duplicate deliveries of ${duplicatedIds} ids (at-least-once), one effect per key`,
      );
    } finally {
      await server.kill();
      await cleanServer.kill();
      rmSync(clean, { recursive: true, force: true });
      rmSync(crashed, { recursive: true, force: true });
    }
  });
}
