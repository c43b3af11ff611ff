/**
 * The stream modes of scoring over the dev broker (real Kafka protocol): recommendation and decision requests on
 * topics, answers on topics. Run 1 trains the model on 30,000 generated events; a first wave of requests, waiting
 * on the topics at start, is read before the model's first publication: every request is answered once, naming the
 * model version it used or, before the first version, `unavailable` with the reason. Run 2 restarts the job on the same state (training is done, so the state stands still) and answers a
 * second wave: each answer equals what the HTTP routes answer for the same request, and what a plain computation
 * from the documentation gives (fixtures/scoring-oracle.ts): a recommendation's candidates, their sources and count
 * from the job's state, its items the top k by score without the user's recent items; a decision's rules, offer,
 * adjusted score and action from the rules file read by hand, given the model's score. Malformed requests go to the
 * dead-letter channel with the field at fault and their topic, partition and offset; nothing is lost or doubled.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import { clearMemoryChannels, memoryOutput } from '../../../src/connectors/memory/memory-channels.js';
import type { JobGraph } from '../../../src/graph/model.js';
import { MODEL_STATE, type VersionInfo } from '../../../src/jobs/model/model-state.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { produceEvents } from '../../connectors/kafka/produce-events.js';
import { readTopic } from '../../connectors/kafka/topic-reader.js';
import { expectedCandidates, expectedDecision } from './fixtures/scoring-oracle.js';

process.env.FW_MODEL_TEST_COUNT = '30000';
process.env.FW_MODEL_TEST_ALPHA = '0.3';
const modulePath = fileURLToPath(new URL('./fixtures/scoring-stream-job.js', import.meta.url));
let broker: SpawnedBroker;
let fixture: { scoringStreamJob: JobGraph; streamTopic: (name: string) => string };

before(async () => {
  broker = await spawnDevBroker();
  process.env.FW_KAFKA_BROKERS = broker.bootstrap;
  process.env.FW_KAFKA_RUN = String(process.pid);
  fixture = (await import('./fixtures/scoring-stream-job.js')) as typeof fixture;
});

after(async () => {
  await broker.stop();
});

interface Answer {
  requestId: string;
  userId: string;
  status: 'ok' | 'unavailable';
  version?: number;
  [field: string]: unknown;
}

const now = Date.UTC(2026, 0, 2);
const context = (i: number) => ({
  user: {
    lastContactedAt: i % 3 === 0 ? now - 86_400_000 : null,
    contactsToday: i % 4,
    gmv90d: 100 * (i % 9),
    channels: i % 2 ? ['app'] : ['web'],
    daysSincePurchase: i % 50,
  },
  now,
});

function recommendationRequests(wave: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    requestId: `${wave}-r${i}`,
    userId: `u${(i * 7) % 300}`,
    k: 1 + (i % 20),
    ts: i,
    ...(i % 5 === 0 ? { device: 'mobile' } : {}),
  }));
}

function decisionRequests(wave: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    requestId: `${wave}-d${i}`,
    userId: `u${(i * 11) % 300}`,
    context: context(i),
    ts: i,
    ...(i % 4 === 1 ? { model: 'click', itemId: `i${i % 200}` } : {}),
  }));
}

const answersOf = async (topic: string): Promise<Answer[]> =>
  (await readTopic(broker.bootstrap, fixture.streamTopic(topic))).map((m) => JSON.parse(m.value) as Answer);

test('recommendations and decisions as streams: one answer per request, equal to the HTTP answer, bad requests dead-lettered', {
  timeout: 240_000,
}, async (t) => {
  clearMemoryChannels();
  const { scoringStreamJob, streamTopic } = fixture;
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-scoring-stream-'));
  const byUser = (r: { userId?: unknown }) => String(r.userId ?? 'none');
  const run = async () => {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'scoringStreamJob'), graph: scoringStreamJob, stateDir, workers: 2, slots: 4 });
    await runner.run();
    return runner;
  };
  try {
    // Run 1: requests arrive while the model trains.
    const wave1 = { recommendations: recommendationRequests('w1', 200), decisions: decisionRequests('w1', 200) };
    const bad = [
      { requestId: 'bad-k', userId: 'u1', k: 0, ts: 1 },
      { requestId: 'bad-field', userId: 'u2', colour: 'red', ts: 1 },
    ];
    await produceEvents(broker.bootstrap, streamTopic('recommendation-requests'), [...wave1.recommendations, ...bad], byUser);
    await produceEvents(broker.bootstrap, streamTopic('decision-requests'), wave1.decisions, byUser);
    await run();

    const first = { recommendations: await answersOf('recommendations'), decisions: await answersOf('decisions') };
    for (const kind of ['recommendations', 'decisions'] as const) {
      assert.deepEqual(
        first[kind].map((a) => a.requestId).sort(),
        wave1[kind].map((r) => r.requestId).sort(),
        `every ${kind} request of wave 1 is answered once`,
      );
      for (const a of first[kind]) {
        assert.ok(a.status === 'unavailable' ? typeof a.reason === 'string' : Number.isInteger(a.version) && a.version! >= 1, JSON.stringify(a));
      }
    }
    const firstAll = [...first.recommendations, ...first.decisions];
    t.diagnostic(
      `wave 1: ${firstAll.filter((a) => a.status === 'unavailable').length} unavailable, versions ${[...new Set(firstAll.map((a) => a.version).filter((v) => v !== undefined))].sort((a, b) => a! - b!).join(',')}`,
    );
    const dead = memoryOutput('dlq').map(
      (r) => r.value as { reason: string; step: string; source: string; partition: number; offset: number; record: { requestId: string } },
    );
    const deadRequests = dead.filter((d) => d.step === 'recommendations');
    assert.deepEqual(deadRequests.map((d) => d.record.requestId).sort(), ['bad-field', 'bad-k']);
    assert.match(deadRequests.find((d) => d.record.requestId === 'bad-k')!.reason, /recommendation request: k must be >= 1/);
    assert.match(deadRequests.find((d) => d.record.requestId === 'bad-field')!.reason, /recommendation request: unknown key 'colour'/);
    for (const d of deadRequests) {
      assert.equal(d.source, 'recommendation-requests');
      assert.ok(Number.isInteger(d.partition), 'the dead letter says which partition');
      assert.equal(typeof d.offset, 'number');
    }

    // Run 2: the same job restarted on its state; training has ended, so every answer can be checked over HTTP.
    const wave2 = { recommendations: recommendationRequests('w2', 150), decisions: decisionRequests('w2', 150) };
    await produceEvents(broker.bootstrap, streamTopic('recommendation-requests'), wave2.recommendations, byUser);
    await produceEvents(broker.bootstrap, streamTopic('decision-requests'), wave2.decisions, byUser);
    const runner = await run();
    const view = jobView(runner, stateDir);
    const app = buildQueryApp(view, routeContributions(scoringStreamJob));
    const latest = view.state.value<VersionInfo>('model', 'click', MODEL_STATE.head)!;

    const all = { recommendations: await answersOf('recommendations'), decisions: await answersOf('decisions') };
    for (const kind of ['recommendations', 'decisions'] as const) {
      const ids = all[kind].map((a) => a.requestId);
      assert.equal(new Set(ids).size, ids.length, `no ${kind} request is answered twice across the restart`);
      assert.equal(ids.length, wave1[kind].length + wave2[kind].length);
    }
    t.diagnostic(
      `wave 2: version ${latest.version}; first answer ${JSON.stringify(all.recommendations.find((a) => a.requestId.startsWith('w2-')))?.slice(0, 300)}`,
    );
    const second = new Map([...all.recommendations, ...all.decisions].filter((a) => a.requestId.startsWith('w2-')).map((a) => [a.requestId, a]));
    for (const r of wave2.recommendations) {
      const answer = second.get(r.requestId)!;
      const http = (await app.inject(`/recommendations/${r.userId}?k=${r.k}${r.device ? `&device=${r.device}` : ''}`)).json();
      assert.equal(answer.status, 'ok');
      assert.equal(answer.version, latest.version, 'the stream used the newest version');
      for (const field of ['userId', 'version', 'examples', 'publishedAt', 'featuresAsOf', 'candidates', 'items'])
        assert.deepEqual(answer[field], http[field], `${r.requestId}: ${field}`);
      // The serve options of the fixture leave the candidate limits at their documented defaults.
      const candidates = expectedCandidates(view.state, r.userId, { covisitsPerItem: 20, popularCandidates: 300, maxCandidates: 500 });
      const items = answer.items as Array<{ itemId: string; source: string; score: number }>;
      assert.equal(answer.candidates, candidates.size, `${r.requestId}: the candidates the state gives`);
      assert.equal(items.length, Math.min(r.k, candidates.size), `${r.requestId}: k items, or every candidate`);
      for (const [i, item] of items.entries()) {
        assert.equal(item.source, candidates.get(item.itemId), `${r.requestId}: ${item.itemId} is a candidate from that source (never a recent item)`);
        assert.ok(item.score > 0 && item.score < 1, `${r.requestId}: a probability`);
        const next = items[i + 1];
        if (next)
          assert.ok(item.score > next.score || (item.score === next.score && item.itemId < next.itemId), `${r.requestId}: ranked by score, ties by item id`);
      }
    }
    for (const r of wave2.decisions) {
      const answer = second.get(r.requestId)!;
      const { requestId: _id, ts: _ts, ...body } = r;
      const http = (await app.inject({ method: 'POST', url: '/decide', payload: body })).json();
      assert.equal(answer.status, 'ok');
      for (const field of ['userId', 'model', 'version', 'featuresAsOf', 'decision']) assert.deepEqual(answer[field], http[field], `${r.requestId}: ${field}`);
      const decision = answer.decision as {
        action: string | null;
        offer: object;
        score: number;
        adjustedScore: number;
        rejected: boolean;
        reason?: string;
        firedRules: Array<{ id: string }>;
      };
      const expected = expectedDecision(r.context, decision.score);
      assert.deepEqual(
        {
          action: decision.action,
          offer: decision.offer,
          adjustedScore: decision.adjustedScore,
          rejected: decision.rejected,
          reason: decision.reason,
          fired: decision.firedRules.map((f) => f.id),
        },
        { reason: undefined, ...expected },
        `${r.requestId}: the rules as the rules file says`,
      );
    }
    const decided = wave2.decisions.map((r) => second.get(r.requestId)!.decision as { action: string | null; rejected: boolean });
    t.diagnostic(`wave 2 decisions: ${decided.filter((d) => d.rejected).length} rejected, ${decided.filter((d) => d.action !== null).length} send_coupon`);
    await app.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
