/**
 * Keeps the latest record per key in value state and serves it over the query endpoint at
 * `GET /latest/<step id>/:key` (404 when the key has none yet). Upstream window results become a queryable
 * "latest value" store, the way a compacted topic keeps the last value per key.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyedProcessor } from '../../api/types.js';
import type { StateReader } from '../../state/reader.js';

const LATEST = 'latest';

export interface LatestByKey extends KeyedProcessor<unknown, unknown> {
  queryRoutes(app: FastifyInstance, step: { stepId: string; state: StateReader }): void;
}

export const latestByKey: LatestByKey = {
  onRecord(value, ctx) {
    ctx.state<unknown>(LATEST).set(value);
    ctx.emit(value);
  },
  queryRoutes(app, { stepId, state }) {
    app.get<{ Params: { key: string } }>(
      `/latest/${stepId}/:key`,
      { schema: { params: { type: 'object', properties: { key: { type: 'string', minLength: 1, maxLength: 256 } }, required: ['key'] } } },
      async (req, reply) => {
        const value = state.value(stepId, req.params.key, LATEST);
        if (value === undefined) return reply.code(404).send({ error: 'not found', message: `step ${stepId} has no value for key '${req.params.key}' yet` });
        return { key: req.params.key, step: stepId, value };
      },
    );
  },
};
