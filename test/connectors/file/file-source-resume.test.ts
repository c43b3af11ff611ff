/**
 * The file source resumes at whole lines. The runtime resumes a partition at one past the last offset applied (a
 * byte inside that line); from every such position, and from any byte inside a line, the source reads on from the
 * next whole line: never a fragment, never a line twice. Through whole jobs: a finished job run again reads
 * nothing, and a job killed with SIGKILL mid-file (often mid-line) and restarted applies every line exactly once
 * and dead-letters nothing. Before, each rerun read a fragment of the last line (a bogus "not JSON" dead letter,
 * the offset creeping one byte per rerun).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSourceType } from '../../../src/connectors/file/file-source.js';
import type { SourceRecord } from '../../../src/connectors/connector.js';
import { killWhileRunning, runJobProcess, timedRun } from '../../harness/crash-harness.js';
import { runCli } from '../../harness/cli-run.js';
import { runningTotals } from '../kafka/job-observer.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import type { Totals } from '../../runtime/fixtures/jobs.js';

async function readFrom(path: string, next: number | undefined): Promise<SourceRecord[]> {
  const source = fileSourceType.create({ path, format: 'json' }, { jobName: 't', baseDir: '/', stepId: 'events' });
  await source.open({ startOffsets: next === undefined ? new Map() : new Map([[0, next]]) });
  const records: SourceRecord[] = [];
  while (!source.finished()) records.push(...(await source.poll(1000)));
  await source.close();
  return records;
}

test('from any byte position, the file source reads on from the next whole line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-resume-'));
  try {
    // Lines of several shapes: CRLF, a blank line, multi-byte UTF-8, and a last line without its newline.
    const lines = ['{"n":0,"s":"a"}', '{"n":1,"s":"héllo wörld ✓"}\r', '', '  ', '{"n":2,"s":"\\"quoted\\" \\\\ text"}', '{"n":3}', '{"n":4,"s":"end"}'];
    const text = Buffer.from(lines.join('\n'));
    const path = join(dir, 'in.jsonl');
    writeFileSync(path, text);
    const starts: number[] = [];
    for (let i = 0, at = 0; i < lines.length; at += Buffer.byteLength(lines[i]!) + 1, i++) starts.push(at);
    const all = await readFrom(path, undefined);
    assert.deepEqual(all.map((r) => (r.value as { n: number }).n), [0, 1, 2, 3, 4]);
    for (let next = 1; next <= text.length + 1; next++) {
      // The line holding byte next - 1 was applied: the records after it are expected.
      const applied = Math.max(...starts.filter((s) => s <= next - 1));
      const expected = all.filter((r) => r.offset > applied);
      const got = await readFrom(path, next);
      assert.deepEqual(got.map((r) => [r.offset, r.value, r.error]), expected.map((r) => [r.offset, r.value, undefined]), `resuming at ${next}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const topology = `
name: rerun
deadLetter: dlq
runtime: { workers: 1, stateDir: ./state }
steps:
  - id: events
    op: source
    connector: { type: file, path: ./in.jsonl }
    eventTime: { field: ts }
  - id: by-user
    op: keyBy
    field: user
  - id: out
    op: sink
    connector: { type: file, path: ./out.jsonl }
  - id: dlq
    op: sink
    from: []
    connector: { type: file, path: ./dlq.jsonl }
`;

const lineCount = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

for (const trailingNewline of [true, false]) {
  test(`a finished job run again reads nothing (last line ${trailingNewline ? 'with' : 'without'} its newline)`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-file-rerun-'));
    try {
      const events = Array.from({ length: 100 }, (_, i) => JSON.stringify({ user: `u${i % 3}`, ts: 1_000 + i }));
      writeFileSync(join(dir, 'in.jsonl'), events.join('\n') + (trailingNewline ? '\n' : ''));
      writeFileSync(join(dir, 'topology.yaml'), topology);
      const first = await runCli(['run', join(dir, 'topology.yaml')]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /finished: 100 records read/);
      for (let rerun = 0; rerun < 3; rerun++) {
        const again = await runCli(['run', join(dir, 'topology.yaml')]);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /finished: 0 records read/);
      }
      assert.equal(lineCount(join(dir, 'out.jsonl')), 100);
      assert.equal(lineCount(join(dir, 'dlq.jsonl')), 0, 'no dead letter from a fragment of a line');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('kill -9 mid-file, restart: every line applied exactly once, nothing dead-lettered', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-kill-'));
  const entry = fileURLToPath(new URL('../../runtime/fixtures/run-file-job.js', import.meta.url));
  try {
    const [events] = makeEvents({ seed: 5, count: 60_000, users: 200, partitions: 1, skewed: false, disorder: 0 });
    writeFileSync(join(dir, 'events.jsonl'), events!.map((r) => JSON.stringify(r.value)).join('\n') + '\n');
    const runJob = (killAfterMs: number | null) =>
      runJobProcess(entry, [join(dir, 'state'), '1'], { FW_TEST_INPUT: join(dir, 'events.jsonl'), FW_TEST_OUTPUT: join(dir, 'out.jsonl') }, killAfterMs);
    const cleanMs = await timedRun((ms) => runJob(ms));
    const startOver = () => {
      for (const f of ['state', 'out.jsonl', 'out.jsonl.dlq']) rmSync(join(dir, f), { recursive: true, force: true });
    };
    startOver();
    const kills = await killWhileRunning(runJob, () => lineCount(join(dir, 'out.jsonl')), 5, cleanMs, startOver, 3);
    assert.ok(kills >= 3, `killed ${kills} times mid-run`);
    assert.equal(lineCount(join(dir, 'out.jsonl.dlq')), 0, 'no dead letter from a fragment of a line');
    const expected = new Map<string, Totals>();
    for (const { value } of events!) {
      const e = value as { user: string; amount: number };
      const t = expected.get(e.user) ?? { count: 0, sum: 0 };
      expected.set(e.user, { count: t.count + 1, sum: t.sum + e.amount });
    }
    assert.deepEqual(runningTotals(join(dir, 'state'), 'running'), expected, 'every line applied exactly once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
