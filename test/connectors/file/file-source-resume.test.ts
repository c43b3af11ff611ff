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
import { spawn } from 'node:child_process';
import { fileSourceType } from '../../../src/connectors/file/file-source.js';
import type { SourceRecord } from '../../../src/connectors/connector.js';
import { cli, runCli } from '../../harness/cli-run.js';
import { runningTotals } from '../kafka/job-observer.js';
import { expectedTotals, writeRunningTotalJob } from '../../harness/running-total-job.js';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { planGraph } from '../../../src/graph/planner.js';
import { startOffsets } from '../../../src/runtime/recovery.js';
import { closeState, openState } from '../../../src/state/backend.js';
import { keyedTopology } from '../../harness/keyed-topology.js';

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
    assert.deepEqual(
      all.map((r) => (r.value as { n: number }).n),
      [0, 1, 2, 3, 4],
    );
    for (let next = 1; next <= text.length + 1; next++) {
      // The line holding byte next - 1 was applied: the records after it are expected.
      const applied = Math.max(...starts.filter((s) => s <= next - 1));
      const expected = all.filter((r) => r.offset > applied);
      const got = await readFrom(path, next);
      assert.deepEqual(
        got.map((r) => [r.offset, r.value, r.error]),
        expected.map((r) => [r.offset, r.value, undefined]),
        `resuming at ${next}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const topology = (keyed: boolean) => keyedTopology({ name: keyed ? 'rerun' : 'straight', source: '{ type: file, path: ./in.jsonl }', keyed });

const lineCount = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

for (const trailingNewline of [true, false]) {
  test(`a finished job run again reads nothing (last line ${trailingNewline ? 'with' : 'without'} its newline)`, { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-file-rerun-'));
    try {
      const events = Array.from({ length: 100 }, (_, i) => JSON.stringify({ user: `u${i % 3}`, ts: 1_000 + i }));
      writeFileSync(join(dir, 'in.jsonl'), events.join('\n') + (trailingNewline ? '\n' : ''));
      writeFileSync(join(dir, 'topology.yaml'), topology(true));
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

/**
 * Runs the job of `file` and kills it with SIGKILL, until three starts have resumed inside the input; returns where
 * they resumed. Kill times are drawn as the crash tests draw theirs; a kill that lands before the job committed
 * anything new moves the next one later, and a run that reaches the end before it is killed (a fast machine) makes
 * `startOver` put the job back to nothing and later kills come sooner.
 */
async function killMidFile(file: string, state: string, slots: number, startOver: () => void): Promise<number[]> {
  const { graph } = await loadTopology(file);
  const plan = planGraph(graph, slots);
  const resumedAt: number[] = [];
  let delayMs = 1_500;
  for (let attempt = 0; attempt < 20 && resumedAt.length < 3; attempt++) {
    const child = spawn(process.execPath, [cli, 'run', file], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs * (0.8 + 0.4 * Math.random()));
    const code = await exited;
    clearTimeout(timer);
    if (code === 0) {
      startOver();
      resumedAt.length = 0;
      delayMs *= 0.5;
      continue;
    }
    // Where the next start resumes, read while no job has the directory open.
    const next = existsSync(state) ? (startOffsets(openState(state), plan).get('events:0') ?? 0) : 0;
    await closeState(state);
    if (next > (resumedAt.at(-1) ?? 0)) resumedAt.push(next);
    else delayMs *= 1.5;
  }
  assert.equal(resumedAt.length, 3, `three starts resumed inside the file (at ${resumedAt.join(', ')})`);
  const last = await runCli(['run', file]);
  assert.equal(last.code, 0, last.stderr);
  return resumedAt;
}

/** Puts a job in `dir` back to nothing: its state and what it wrote. */
const startingOver = (dir: string) => () => {
  for (const f of ['state', 'out.jsonl', 'dlq.jsonl']) rmSync(join(dir, f), { recursive: true, force: true });
};

const events = Array.from({ length: 600_000 }, (_, i) => ({ user: `u${(i * 31) % 1000}`, ts: 1_000 + i, amount: i % 89 }));

test('kill -9 mid-file, restart: every line applied exactly once, nothing dead-lettered', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-kill-'));
  const state = join(dir, 'state');
  try {
    await killMidFile(writeRunningTotalJob(dir, events, state), state, 2, startingOver(dir));
    assert.equal(lineCount(join(dir, 'dlq.jsonl')), 0, 'no dead letter from a fragment of a line');
    assert.deepEqual(runningTotals(state, 'running'), expectedTotals(events), 'every line applied exactly once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 mid-file, restart, a job without keyed steps (it resumes where its main thread left off): every line delivered, no fragment', {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-file-kill-'));
  try {
    writeFileSync(join(dir, 'in.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'topology.yaml'), topology(false));
    await killMidFile(join(dir, 'topology.yaml'), join(dir, 'state'), 16, startingOver(dir));
    assert.equal(lineCount(join(dir, 'dlq.jsonl')), 0, 'no dead letter from a fragment of a line');
    const delivered = new Set(
      readFileSync(join(dir, 'out.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { value: { ts: number } }).value.ts),
    );
    assert.equal(delivered.size, events.length, 'every line delivered (at least once)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
