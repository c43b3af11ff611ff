/**
 * The kill -9 check the whole-run crash tests of topologies share: the same topology file runs once uninterrupted
 * and once killed at random moments and restarted on its state each time, to the end (in a child process, the
 * identity fixture's entry); the final state and each named file sink's ids and payloads must be equal (deliveries
 * may repeat: at-least-once, with the same payload). Returns what the uninterrupted run delivered, by sink.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWhileRunning, readStateDir, runJobProcess, timedRun } from '../harness/crash-harness.js';
import { assertSamePayloads, fileSinkDeliveries, type Delivery } from '../harness/output-payloads.js';

const entry = fileURLToPath(new URL('./identity/fixtures/run-topology.js', import.meta.url));

export interface KilledRunChecks {
  /** The file sinks (`<id>.jsonl` beside the topology) to compare; the first one measures progress. */
  sinks: string[];
  seed: number;
  prefix: string;
  /** Compares the two final states (default: every entry equal). */
  checkState?: (crashed: Map<string, unknown>, clean: Map<string, unknown>) => void;
}

export interface KilledRunResult {
  kills: number;
  clean: Map<string, Delivery[]>;
}

export async function killedRunMatchesCleanRun(topology: string, o: KilledRunChecks): Promise<KilledRunResult> {
  const prepare = () => {
    const dir = mkdtempSync(join(tmpdir(), o.prefix));
    writeFileSync(join(dir, 'topology.yaml'), topology);
    return dir;
  };
  const [clean, crashed] = [prepare(), prepare()];
  const run = (dir: string, killAfterMs: number | null) => runJobProcess(entry, [join(dir, 'topology.yaml')], {}, killAfterMs);
  const deliveries = (dir: string, sink: string) => (existsSync(join(dir, `${sink}.jsonl`)) ? fileSinkDeliveries(join(dir, `${sink}.jsonl`)) : []);
  try {
    const cleanMs = await timedRun((ms) => run(clean, ms));
    const startOver = () => {
      for (const f of ['state', 'dlq.jsonl', ...o.sinks.map((s) => `${s}.jsonl`)]) rmSync(join(crashed, f), { recursive: true, force: true });
    };
    const kills = await killWhileRunning(
      (ms) => run(crashed, ms),
      () => deliveries(crashed, o.sinks[0]!).length,
      o.seed,
      cleanMs,
      startOver,
    );
    assert.ok(kills >= 5, `the job was killed ${kills} times mid-run; the test needs at least 5`);
    const [crashedState, cleanState] = [readStateDir(join(crashed, 'state')), readStateDir(join(clean, 'state'))];
    if (o.checkState) o.checkState(crashedState, cleanState);
    else assert.deepEqual(crashedState, cleanState, 'final state equals the uninterrupted run');
    const cleanDeliveries = new Map<string, Delivery[]>();
    for (const sink of o.sinks) {
      const want = deliveries(clean, sink);
      const got = deliveries(crashed, sink);
      assert.ok(want.length > 0, `${sink}: the clean run wrote records`);
      assert.deepEqual(new Set(got.map((d) => d.id)), new Set(want.map((d) => d.id)), `${sink}: the same ids`);
      assertSamePayloads(want, got, sink);
      cleanDeliveries.set(sink, want);
    }
    return { kills, clean: cleanDeliveries };
  } finally {
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
}
