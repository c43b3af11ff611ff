/**
 * Delivery to sinks (src/runtime/sink-delivery.ts), with sinks held in memory and the outbox in real LMDB: order per
 * sink, one write at a time taking every batch handed over meanwhile, a pipelined sink handed each batch at once
 * with acknowledgements in order, retries of a failed write (counted, with the reason), outbox entries deleted once acknowledged, outputs
 * not piling up behind an instantly acknowledging sink while the caller keeps handing batches over, and records a
 * sink refuses sent to the dead-letter sink (or failing delivery without one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkConnector, SinkRecord, SinkRefusal } from '../../src/connectors/connector.js';
import { ErrorCodes, type FlywheelError } from '../../src/core/errors.js';
import { closeState, openState, type StateDatabases } from '../../src/state/backend.js';
import { SinkDelivery } from '../../src/runtime/sink-delivery.js';
import { writeOutboxChunk } from '../../src/state/outbox-chunks.js';
import type { OutputTuple } from '../../src/state/outbox-chunk.js';

/** A sink in memory: records what each write got; `acknowledge` decides when (and whether) a write succeeds. */
class MemorySink implements SinkConnector {
  readonly destination = 'memory';
  readonly writes: string[][] = [];
  constructor(
    readonly id: string,
    readonly pipelined: boolean,
    private readonly acknowledge: (call: number) => Promise<void> = () => Promise.resolve(),
  ) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  write(records: readonly SinkRecord[]): ReturnType<SinkConnector['write']> {
    this.writes.push(records.map((r) => r.id));
    return this.acknowledge(this.writes.length - 1);
  }
}

const batch = (from: number, n: number): SinkRecord[] =>
  Array.from({ length: n }, (_, i) => ({ id: `r${from + i}`, key: null, value: from + i, timestamp: 0 }));

async function withDelivery(sinks: MemorySink[], run: (d: SinkDelivery, dbs: StateDatabases) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fw-sink-delivery-'));
  try {
    const dbs = openState(dir);
    await run(new SinkDelivery(new Map(sinks.map((s) => [s.id, s])), dbs), dbs);
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a sink taking one write at a time gets what was handed over meanwhile as one write, in order', async () => {
  const gates: Array<() => void> = [];
  const sink = new MemorySink('out', false, () => new Promise((resolve) => gates.push(resolve)));
  await withDelivery([sink], async (delivery) => {
    const acknowledged: number[] = [];
    const handed = [0, 1, 2, 3].map((b) => delivery.deliver('out', batch(b * 10, 10), null).then(() => acknowledged.push(b)));
    assert.deepEqual(
      sink.writes.map((w) => w.length),
      [10],
      'the first batch is written at once',
    );
    assert.equal(delivery.pending, 40);
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(acknowledged, [0]);
    assert.deepEqual(
      sink.writes.map((w) => w.length),
      [10, 30],
      'the three batches handed over meanwhile are one write',
    );
    gates.shift()!();
    await Promise.all(handed);
    assert.deepEqual(acknowledged, [0, 1, 2, 3]);
    assert.deepEqual(
      sink.writes.flat(),
      batch(0, 40).map((r) => r.id),
      'records reach the sink in the order handed over',
    );
    assert.equal(delivery.pending, 0);
  });
});

test('a pipelined sink is handed each batch at once; acknowledgements are taken in order', async () => {
  const gates: Array<() => void> = [];
  const sink = new MemorySink('out', true, () => new Promise((resolve) => gates.push(resolve)));
  await withDelivery([sink], async (delivery) => {
    const acknowledged: number[] = [];
    const handed = [0, 1, 2].map((b) => delivery.deliver('out', batch(b * 10, 10), null).then(() => acknowledged.push(b)));
    assert.equal(sink.writes.length, 3, 'all three written before any acknowledgement');
    // The sink acknowledges the last two first: neither counts until the first is acknowledged.
    gates[2]!();
    gates[1]!();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(acknowledged, []);
    assert.equal(delivery.pending, 30);
    gates[0]!();
    await Promise.all(handed);
    assert.deepEqual(acknowledged, [0, 1, 2]);
    assert.equal(delivery.pending, 0);
  });
});

test('a failed write is retried until the sink takes it; an outbox chunk goes only once every sink in it acknowledged', async () => {
  // The second attempt starting is the sign that the first one's failure has been taken in.
  let secondAttempt!: () => void;
  const retried = new Promise<void>((resolve) => (secondAttempt = resolve));
  const sink = new MemorySink('out', false, (call) => {
    if (call === 1) secondAttempt();
    return call < 2 ? Promise.reject(new Error('destination down')) : Promise.resolve();
  });
  let releaseAudit!: () => void;
  const audit = new MemorySink('audit', false, () => new Promise((resolve) => (releaseAudit = resolve)));
  await withDelivery([sink, audit], async (delivery, dbs) => {
    const records = batch(0, 5);
    const tuples = records.map((r, i): OutputTuple => [i % 2 === 0 ? 'out' : 'audit', r.id, r.key, r.value, r.timestamp, null]);
    const chunk = dbs.env.transactionSync(() => writeOutboxChunk(dbs.outbox, 1, 0, tuples))!;
    const done = delivery.deliverStored({ keys: [chunk.key], outputs: tuples });
    await retried;
    assert.match(delivery.lastError ?? '', /sink out \(memory\): destination down/);
    assert.equal(audit.writes.length, 1, 'the other sink in the chunk was handed its part');
    assert.equal(dbs.outbox.getKeysCount(), 1, 'unacknowledged outputs stay in the outbox');
    releaseAudit();
    await done;
    await delivery.drain();
    assert.equal(sink.writes.length, 3, 'two failures, then the write that succeeded');
    assert.deepEqual(sink.writes[2], [records[0]!.id, records[2]!.id, records[4]!.id]);
    assert.equal(delivery.lastError, null);
    assert.equal(dbs.outbox.getKeysCount(), 0);
  });
});

test('outputs do not pile up behind an instantly acknowledging sink while batches keep coming', async () => {
  // The runner hands over a batch per loop turn, and a turn yields only briefly: acknowledgements must keep up.
  const sink = new MemorySink('out', false);
  await withDelivery([sink], async (delivery) => {
    let peak = 0;
    for (let b = 0; b < 500; b++) {
      void delivery.deliver('out', batch(b * 100, 100), null);
      peak = Math.max(peak, delivery.pending);
      await Promise.resolve();
    }
    await delivery.drain();
    assert.equal(sink.writes.flat().length, 50_000);
    // Each write takes what came while the previous one was acknowledged: a few batches, never a growing backlog.
    assert.ok(peak <= 500, `at most a few batches wait (peak ${peak} records)`);
  });
});

test('a failed write is retried with backoff, each failure counted and the reason saying how many attempts failed', async () => {
  const sink = new MemorySink('out', false, (call) => (call < 2 ? Promise.reject(new Error('destination down')) : Promise.resolve()));
  const dir = mkdtempSync(join(tmpdir(), 'fw-sink-delivery-'));
  try {
    const failed: string[] = [];
    const reasons: string[] = [];
    const delivery = new SinkDelivery(new Map([[sink.id, sink]]), openState(dir), {
      writeFailed: (id) => {
        failed.push(id);
        reasons.push(delivery.lastError ?? '');
      },
    });
    const acknowledged = delivery.deliver('out', batch(0, 3), null);
    await acknowledged;
    assert.deepEqual(failed, ['out', 'out'], 'two failed attempts counted');
    assert.equal(sink.writes.length, 3, 'written again after each failure');
    assert.equal(delivery.lastError, null, 'the reason clears once a write succeeds');
    assert.match(reasons[0]!, /^sink out \(memory\): destination down \(failed attempts: 1, next in 50 ms\)$/);
    assert.match(reasons[1]!, /^sink out \(memory\): destination down \(failed attempts: 2, next in 100 ms\)$/);
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A sink that refuses, for good, the records whose value is odd, and acknowledges the rest. */
class RefusingSink extends MemorySink {
  override async write(records: readonly SinkRecord[]): Promise<readonly SinkRefusal[]> {
    await super.write(records);
    return records.filter((r) => (r.value as number) % 2 === 1).map((record) => ({ record, reason: `odd value ${record.value as number}` }));
  }
}

test('records a sink refuses go to the dead-letter sink with the reason; the batch is acknowledged only after the dead letters are', async () => {
  const sink = new RefusingSink('out', false);
  let release = () => {};
  let written = () => {};
  const dlqWritten = new Promise<void>((resolve) => (written = resolve));
  const dlq = new MemorySink('dlq', false, () => {
    written();
    return new Promise((resolve) => (release = resolve));
  });
  const dir = mkdtempSync(join(tmpdir(), 'fw-sink-delivery-'));
  try {
    const counted: Array<[string, number]> = [];
    const delivery = new SinkDelivery(
      new Map<string, SinkConnector>([
        ['out', sink],
        ['dlq', dlq],
      ]),
      openState(dir),
      { deadLetterSink: 'dlq', deadLettered: (id, n) => counted.push([id, n]) },
    );
    let acknowledged = false;
    const done = delivery.deliver('out', batch(0, 4), null).then(() => (acknowledged = true));
    await dlqWritten;
    assert.deepEqual(dlq.writes, [['r1/dead-letter', 'r3/dead-letter']]);
    assert.equal(acknowledged, false, 'not acknowledged while the dead letters are not');
    assert.deepEqual(counted, [['out', 2]]);
    release();
    await done;
    await delivery.drain();
    assert.equal(delivery.pending, 0);
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a dead-letter sink a refusal fails delivery with FW_ERR_UNDELIVERABLE, and drain() stops waiting', async () => {
  const sink = new RefusingSink('out', false);
  const dir = mkdtempSync(join(tmpdir(), 'fw-sink-delivery-'));
  try {
    const failures: unknown[] = [];
    const delivery = new SinkDelivery(new Map([[sink.id, sink]]), openState(dir), { fail: (err) => failures.push(err) });
    void delivery.deliver('out', batch(0, 2), null);
    await delivery.drain();
    assert.equal(failures.length, 1);
    const err = failures[0] as FlywheelError;
    assert.equal(err.code, ErrorCodes.UNDELIVERABLE);
    assert.match(err.message, /sink out \(memory\) refused record r1: odd value 1/);
    assert.equal(delivery.pending, 2, 'the batch stays unacknowledged');
  } finally {
    await closeState(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
