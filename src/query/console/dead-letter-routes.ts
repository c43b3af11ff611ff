/**
 * The latest dead letters the job delivered (runtime/recent-dead-letters.ts):
 *   GET /dead-letters?offset=0&limit=50   a page, newest first: id, reason, step, source, partition, offset, times;
 *                                         never the record (viewer)
 *   GET /dead-letters/:id                 one dead letter with its record, the input as it came (admin)
 * A job that keeps none (a view without deadLetters) answers an empty page.
 */
import type { FastifyInstance } from 'fastify';
import type { RuntimeView } from '../runtime-view.js';

const PAGE = { type: 'integer', minimum: 0 } as const;

export function deadLetterRoutes(app: FastifyInstance, view: RuntimeView): void {
  app.get<{ Querystring: { offset: number; limit: number } }>(
    '/dead-letters',
    {
      schema: {
        summary: 'The latest dead letters, newest first, without their records',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { offset: { ...PAGE, default: 0 }, limit: { ...PAGE, minimum: 1, maximum: 200, default: 50 } },
        },
      },
    },
    async (req) => (view.deadLetters ? view.deadLetters({ offset: req.query.offset, limit: req.query.limit }) : { total: 0, kept: 0, items: [] }),
  );
  app.get<{ Params: { id: string } }>(
    '/dead-letters/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'One dead letter with its record (admin: the record is the input as it came)',
        params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 512 } }, required: ['id'] },
      },
    },
    async (req, reply) => {
      const page = view.deadLetters ? await view.deadLetters({ offset: 0, limit: 1, id: req.params.id }) : null;
      const found = page?.items[0];
      if (!found)
        return reply
          .code(404)
          .send({ error: 'not found', message: `no dead letter '${req.params.id}' among the latest ${page?.kept ?? 0} kept (GET /dead-letters lists them)` });
      return found;
    },
  );
}
