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
 *   GET  /rules                     the rules file in force, read-only (rules-route.ts)
 * A model with no published version yet answers 503; a request that names no input of the model, 400. Every answer
 * names the model version and the feature snapshot time it used (scorer.ts); ageMs is the version's wall-clock age.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { QueryRoutes } from '../../query/runtime-view.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { decideBodySchema, idSchema, recommendationQuerySchema, scoreBodySchema } from './request-schemas.js';
import { Scorer, type DecideRequest, type Provenance, type ScoreRequest } from './scorer.js';
import type { ScoringOptions } from './scoring-options.js';
import { rulesRoute } from './rules-route.js';

/** An answer with the age of its model version; scorer errors as 400 (bad request) or 503 (no model yet). */
function answer<T extends Provenance>(reply: FastifyReply, compute: () => T): (T & { ageMs: number }) | FastifyReply {
  try {
    const result = compute();
    return { ...result, ageMs: Date.now() - result.publishedAt };
  } catch (err) {
    if (!(err instanceof FlywheelError)) throw err;
    if (err.code === ErrorCodes.QUERY) return reply.code(503).send({ error: 'unavailable', code: err.code, message: err.message });
    if (err.code === ErrorCodes.BAD_RECORD || err.code === ErrorCodes.EXPRESSION)
      return reply.code(400).send({ error: 'bad request', code: err.code, message: err.message });
    throw err;
  }
}

export function scoringRoutes(options: ScoringOptions): QueryRoutes {
  return (app: FastifyInstance, step) => {
    const { stepId, state } = step;
    const scorer = new Scorer(state, stepId, options);

    app.post<{ Body: ScoreRequest }>('/score', { schema: { body: scoreBodySchema(options) } }, async (req, reply) =>
      answer(reply, () => scorer.score(req.body)),
    );

    app.get<{ Params: { userId: string }; Querystring: { k: number; device?: string } }>(
      '/recommendations/:userId',
      { schema: { params: { type: 'object', properties: { userId: idSchema }, required: ['userId'] }, querystring: recommendationQuerySchema(options) } },
      async (req, reply) => answer(reply, () => scorer.recommend(req.params.userId, req.query.k, req.query.device ?? null)),
    );

    if (options.rules === null) return;
    app.post<{ Body: DecideRequest }>('/decide', { schema: { body: decideBodySchema } }, async (req, reply) => answer(reply, () => scorer.decide(req.body)));
    rulesRoute(options.rules, 'decisions')(app, step);
  };
}
