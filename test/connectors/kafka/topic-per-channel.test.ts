/**
 * A Kafka sink whose topic is a template (`actions.{channel}`), against the dev broker: the contact job's passed
 * actions land on one topic per channel, each message on the topic its channel names, keyed by user, with the
 * output id in the `flywheel-id` header; together they are exactly the actions a plain reference of the rules sends.
 * An action without a channel, or whose channel gives no legal topic name, goes to the dead-letter sink with the
 * reason. A template that can never give a legal name is refused at load with the YAML path and line.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { seededActions, writeContactJob, type Action } from '../../harness/contact-job.js';
import { referenceVerdicts } from '../../jobs/actions/reference-contact.js';
import { readTopic } from './topic-reader.js';

let broker: SpawnedBroker;

before(async () => {
  broker = await spawnDevBroker();
  process.env.FLYWHEEL_BROKERS = broker.bootstrap;
});

after(async () => {
  await broker.stop();
});

const SINK = '{ type: kafka, topic: "actions.{channel}", brokers: "${FLYWHEEL_BROKERS}" }';

test('actions go to a topic per channel, keyed by user with their output id; actions no topic can be named for are dead-lettered', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-topic-per-channel-'));
  try {
    const actions = seededActions(3, 600, 30, 20 * 60_000);
    // Far after the others (no rule holds them back): one without a channel, one whose channel is no topic name.
    const late = actions.at(-1)!.decidedAt + 30 * 86_400_000;
    const { channel: _, ...withoutChannel } = { ...actions[0]!, actionId: 'no-channel', userId: 'u-none', decidedAt: late };
    const spaced = { ...actions[0]!, actionId: 'in-app', userId: 'u-in-app', channel: 'in app', decidedAt: late };
    const topology = writeContactJob(dir, { actions: [...actions, withoutChannel, spaced], sent: SINK });
    const { graph } = await loadTopology(topology);
    await new JobRunner({ job: { kind: 'topology', file: topology }, graph, stateDir: join(dir, 'state'), baseDir: dir, workers: 2, slots: 4 }).run();

    const expected = [...referenceVerdicts(actions)].filter(([, rule]) => rule === null).map(([id]) => id);
    const got: string[] = [];
    const outputIds = new Set<string>();
    for (const channel of ['sms', 'push', 'email']) {
      const messages = await readTopic(broker.bootstrap, `actions.${channel}`);
      assert.ok(messages.length > 10, `actions.${channel} holds ${messages.length} actions`);
      for (const m of messages) {
        const action = JSON.parse(m.value) as Action;
        assert.equal(action.channel, channel, `action ${action.actionId} is on the topic of its channel`);
        assert.equal(m.key, action.userId, 'keyed by user');
        assert.ok(m.id !== null && !outputIds.has(m.id), 'each message has an output id of its own');
        outputIds.add(m.id!);
        got.push(action.actionId);
      }
    }
    assert.deepEqual(got.sort(), expected.sort(), 'the actions the reference sends, each once');

    const dead = readFileSync(join(dir, 'dlq.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { value: { step: string; reason: string; record: Action } }).value);
    assert.deepEqual(dead.map((d) => [d.step, d.record.actionId, d.reason]).sort(), [
      ['sent', 'in-app', "the topic template 'actions.{channel}' gives 'actions.in app', which is not a legal Kafka topic name"],
      ['sent', 'no-channel', "the topic template 'actions.{channel}' names field 'channel', which the record has no text or integer at"],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a topic template that can never give a legal topic name is refused at load, naming the YAML path and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-topic-template-'));
  try {
    const topology = writeContactJob(dir, { actions: [], sent: SINK.replace('actions.{channel}', 'actions/{channel}') });
    const line =
      readFileSync(topology, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('actions/{channel}')) + 1;
    await assert.rejects(
      () => loadTopology(topology),
      (e: unknown) => {
        assert.ok(e instanceof FlywheelError, String(e));
        assert.equal(e.code, ErrorCodes.TOPOLOGY_INVALID, e.message);
        assert.equal(e.place.line, line, e.message);
        assert.match(String(e.place.path), /steps\[\d\]\.connector\.topic/, e.message);
        return true;
      },
    );
    writeFileSync(topology, readFileSync(topology, 'utf8').replace('actions/{channel}', 'actions.{channel}'));
    await loadTopology(topology);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
