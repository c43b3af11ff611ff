/**
 * The scoring routes served by the model step when its options have a `serve:` section:
 *   POST /score                     { model?: 'click'|'churn', userId?, itemId?, itemIds?, device?, features? }
 *                                   the probability of a click of userId on each item (or of churn of userId), or
 *                                   of explicit named features; with the model version used and its age
 *   GET  /recommendations/:userId?k=10&device=
 *                                   top-k candidates (co-visits of the user's recent items, recently popular
 *                                   items) ranked by the click model
 *   POST /decide                    { userId, context, model?: 'churn'|'click', itemId? }: the model proposes (its
 *                                   score), the rules constrain; the decision lists the rules that fired
 * A model with no published version yet answers 503; a request that names no input of the model, 400.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { ErrorCodes, FlywheelError } from '../../runtime/errors.js';
import { hashFeatures, type NamedFeatures } from '../model/feature-hashing.js';
import { scoreWith } from '../model/model-versions.js';
import { candidatesFor } from './candidates.js';
import { PublishedModels, type LoadedModel } from './published-models.js';
import { ScoringInputs } from './scoring-inputs.js';
import type { ScoringOptions } from './scoring-options.js';
import { decide } from './rules/decide.js';

const id = { type: 'string', minLength: 1, maxLength: 256, pattern: '^\\S+$' } as const;
const modelName = { type: 'string', enum: ['click', 'churn'] } as const;
const featureValue = { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'null' }] } as const;

interface ScoreBody {
  model?: 'click' | 'churn';
  userId?: string;
  itemId?: string;
  itemIds?: string[];
  device?: string;
  features?: NamedFeatures;
}

interface DecideBody {
  userId: string;
  context: Record<string, unknown>;
  model?: 'click' | 'churn';
  itemId?: string;
  device?: string;
}

function versionOf(m: LoadedModel): { version: number; examples: number; ageMs: number } {
  return { version: m.info.version, examples: m.info.examples, ageMs: Date.now() - m.info.publishedAt };
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof FlywheelError && err.code === ErrorCodes.QUERY) return reply.code(503).send({ error: 'unavailable', code: err.code, message: err.message });
  throw err;
}

export function scoringRoutes(options: ScoringOptions): QueryRoutes {
  return (app: FastifyInstance, { stepId, state }) => {
    const models = new PublishedModels(state, stepId);
    const inputs = new ScoringInputs(state, stepId, options.steps);
    const score = (m: LoadedModel, features: NamedFeatures) => scoreWith(m.weights, hashFeatures(features, m.hashing));

    app.post<{ Body: ScoreBody }>(
      '/score',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { model: modelName, userId: id, itemId: id, itemIds: { type: 'array', minItems: 1, maxItems: options.maxBatch, items: id }, device: id, features: { type: 'object', maxProperties: 200, additionalProperties: featureValue } },
          },
        },
      },
      async (req, reply) => {
        const { model = 'click', userId, itemId, itemIds, device = null, features } = req.body;
        try {
          const m = models.latest(model);
          if (features) return { model, ...versionOf(m), score: score(m, features) };
          if (userId === undefined) return reply.code(400).send({ error: 'bad request', message: 'body needs userId (with itemId or itemIds for the click model), or explicit features' });
          if (model === 'churn') return { model, ...versionOf(m), userId, score: score(m, inputs.churnFeatures(userId, device)) };
          const items = itemIds ?? (itemId !== undefined ? [itemId] : null);
          if (items === null) return reply.code(400).send({ error: 'bad request', message: 'the click model scores a user on items: give itemId or itemIds' });
          const profile = inputs.profile(userId);
          const scores = items.map((i) => ({ itemId: i, score: score(m, inputs.clickFeatures(userId, i, device, profile)) }));
          return { model, ...versionOf(m), userId, ...(itemIds ? { scores } : { itemId, score: scores[0]!.score }) };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.get<{ Params: { userId: string }; Querystring: { k: number; device?: string } }>(
      '/recommendations/:userId',
      {
        schema: {
          params: { type: 'object', properties: { userId: id }, required: ['userId'] },
          querystring: { type: 'object', additionalProperties: false, properties: { k: { type: 'integer', minimum: 1, maximum: options.maxK, default: 10 }, device: id } },
        },
      },
      async (req, reply) => {
        const { userId } = req.params;
        try {
          const m = models.latest('click');
          const profile = inputs.profile(userId);
          const candidates = candidatesFor(state, stepId, options, inputs.recentItems(userId));
          const ranked = [...candidates].map(([itemId, source]) => ({ itemId, source, score: score(m, inputs.clickFeatures(userId, itemId, req.query.device ?? null, profile)) }));
          ranked.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
          return { userId, ...versionOf(m), candidates: candidates.size, items: ranked.slice(0, req.query.k) };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    if (options.rules === null) return;
    const rules = options.rules;
    app.post<{ Body: DecideBody }>(
      '/decide',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['userId', 'context'],
            properties: { userId: id, context: { type: 'object', maxProperties: 100 }, model: modelName, itemId: id, device: id },
          },
        },
      },
      async (req, reply) => {
        const { userId, context, model = 'churn', itemId, device = null } = req.body;
        if (model === 'click' && itemId === undefined) return reply.code(400).send({ error: 'bad request', message: 'a decision on the click model needs itemId' });
        try {
          const m = models.latest(model);
          const features = model === 'churn' ? inputs.churnFeatures(userId, device) : inputs.clickFeatures(userId, itemId!, device);
          const modelScore = score(m, features);
          return { userId, model, ...versionOf(m), decision: decide(rules, context, modelScore) };
        } catch (err) {
          if (err instanceof FlywheelError && err.code === ErrorCodes.EXPRESSION) return reply.code(400).send({ error: 'bad request', code: err.code, message: err.message });
          return fail(reply, err);
        }
      },
    );
  };
}
