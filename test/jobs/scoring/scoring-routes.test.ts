/**
 * The scoring routes on a trained model (the model test job on the real runtime, 30,000 generated events):
 * POST /score computes the published weights' probability (checked against a hand computation from the stored
 * weights), batch and single scores agree; recommendations are the candidates ranked by score, exclude the user's
 * recent items, respect k, and rank items the true click model prefers above the average candidate; POST /decide
 * records the churn score and the rules that fired; bad input is a 400 naming the problem; a model with no
 * published version answers 503.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { clearMemoryChannels } from '../../../src/connectors/memory/memory-channels.js';
import { truth } from '../../../src/connectors/generator/ecommerce-truth.js';
import { BIAS_FEATURE } from '../../../src/jobs/model/feature-hashing.js';
import { sigmoid } from '../../../src/jobs/model/logistic.js';
import { LABEL_STATE, type UserLabelState } from '../../../src/jobs/model/label-state.js';
import { MODEL_STATE, type PublishedModel } from '../../../src/jobs/model/model-state.js';
import { murmur3 } from '../../../src/core/murmur3.js';
import { scoringRoutes } from '../../../src/jobs/scoring/scoring-routes.js';
import { resolveScoringOptions } from '../../../src/jobs/scoring/scoring-options.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { moduleJobRef } from '../../../src/runtime/job-loader.js';
import { jobView } from '../../../src/runtime/job-view.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { JobRunner } from '../../../src/runtime/runner.js';
import { MemoryStateReader } from '../../query/memory-state-reader.js';

process.env.FW_MODEL_TEST_COUNT = '30000';
process.env.FW_MODEL_TEST_ALPHA = '0.3';
const { generatorOptions, modelJob } = await import('../model/fixtures/model-job.js');
const modulePath = fileURLToPath(new URL('../model/fixtures/model-job.js', import.meta.url));

interface Ranked {
  items: Array<{ itemId: string; score: number; source: string }>;
  candidates: number;
  version: number;
}

test('score, recommend and decide over the published model', { timeout: 120_000 }, async (t) => {
  clearMemoryChannels();
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-scoring-'));
  try {
    const runner = new JobRunner({ job: moduleJobRef(modulePath, 'modelJob'), graph: modelJob, stateDir, workers: 2, slots: 4 });
    await runner.run();
    const view = jobView(runner, stateDir);
    const app = buildQueryApp(view, routeContributions(modelJob));
    const post = async (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });

    // Explicit features: the probability from the stored weights of the bias and `item=i5`, computed by hand.
    const published = view.state.value<PublishedModel>('model', 'click', MODEL_STATE.published)!;
    const weight = (key: string) => {
      const coord = murmur3(key, published.hashing.seed ?? 0) & (2 ** published.hashing.bits - 1);
      const i = published.coords.indexOf(coord);
      return i < 0 ? 0 : published.weights[i]!;
    };
    const explicit = await post('/score', { features: { item: 'i5' } });
    assert.equal(explicit.statusCode, 200);
    assert.ok(Math.abs(explicit.json().score - sigmoid(weight(BIAS_FEATURE) + weight('item=i5'))) < 1e-12);
    assert.equal(explicit.json().version, published.version);

    const single = (await post('/score', { userId: 'u7', itemId: 'i3' })).json();
    const batch = (await post('/score', { userId: 'u7', itemIds: ['i1', 'i3'] })).json();
    assert.ok(single.score > 0 && single.score < 1);
    assert.equal(batch.scores[1].score, single.score, 'batch and single scores agree');
    const churn = (await post('/score', { model: 'churn', userId: 'u7' })).json();
    assert.ok(churn.score > 0 && churn.score < 1);

    // Recommendations: ranked by score, k respected, no recent item, better than the average candidate by the truth.
    const world = truth(generatorOptions);
    let topTruth = 0;
    let candidateTruth = 0;
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10'];
    for (const userId of users) {
      const res = await app.inject(`/recommendations/${userId}?k=10`);
      assert.equal(res.statusCode, 200);
      const ranked = res.json() as Ranked;
      assert.equal(ranked.items.length, 10);
      assert.ok(ranked.candidates >= 10 && ranked.candidates <= 500);
      ranked.items.forEach((item, i) => i > 0 && assert.ok(ranked.items[i - 1]!.score >= item.score, 'best first'));
      const all = (await app.inject(`/recommendations/${userId}?k=100`)).json() as Ranked;
      const recent = view.state.value<UserLabelState>('labels', userId, LABEL_STATE.user)?.recentItems ?? [];
      assert.ok(recent.length > 0, `${userId} has recent items`);
      assert.deepEqual(
        all.items.filter((x) => recent.includes(x.itemId)),
        [],
        `${userId}'s recent items are not recommended`,
      );
      const u = Number(userId.slice(1));
      const p = (itemId: string) => world.clickProbability(u, Number(itemId.slice(1)));
      topTruth += ranked.items.reduce((s, x) => s + p(x.itemId), 0) / ranked.items.length;
      candidateTruth += all.items.reduce((s, x) => s + p(x.itemId), 0) / all.items.length;
    }
    t.diagnostic(`mean true click probability: top 10 ${(topTruth / users.length).toFixed(4)}, top 100 ${(candidateTruth / users.length).toFixed(4)}`);
    assert.ok(
      topTruth / users.length > candidateTruth / users.length + 0.02,
      `true CTR of the top 10 ${topTruth / users.length} vs of the top 100 ${candidateTruth / users.length}`,
    );

    // Decisions: the churn model proposes, the rules constrain; the record says which rules fired.
    const now = Date.UTC(2026, 0, 2);
    const user = { lastContactedAt: now - 86_400_000, contactsToday: 0, gmv90d: 900, channels: ['app'], daysSincePurchase: 40 };
    const rejected = (await post('/decide', { userId: 'u7', context: { user, now } })).json();
    assert.equal(rejected.decision.score, churn.score, 'the decision records the model score');
    assert.deepEqual(
      rejected.decision.firedRules.map((r: { id: string }) => r.id),
      ['contacted_in_last_7d'],
    );
    assert.equal(rejected.decision.action, null);
    const adjusted = (await post('/decide', { userId: 'u7', context: { user: { ...user, lastContactedAt: null }, now } })).json();
    assert.deepEqual(
      adjusted.decision.firedRules.map((r: { id: string }) => r.id),
      ['high_value_coupon', 'app_users_by_push', 'lapsing_boost'],
    );
    assert.equal(adjusted.decision.offer.coupon, 7.5);

    // Bad input: 400 with what is wrong.
    const missing = await post('/decide', { userId: 'u7', context: { user } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().message, /no input 'now'/);
    assert.equal((await app.inject('/recommendations/u1?k=0')).statusCode, 400);
    const unknown = await post('/score', { userId: 'u1', itemId: 'i1', colour: 'red' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().message, /unknown property 'colour'/);
    assert.match((await post('/score', { userId: 'u1' })).json().message, /give itemId or itemIds/);
    await app.close();
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a model with no published version answers 503', async () => {
  const app = Fastify();
  scoringRoutes(resolveScoringOptions({}))(app, { stepId: 'model', state: new MemoryStateReader() });
  const res = await app.inject({ method: 'POST', url: '/score', payload: { userId: 'u1', itemId: 'i1' } });
  assert.equal(res.statusCode, 503);
  assert.match(res.json().message, /model 'click' has no published version yet/);
  await app.close();
});
