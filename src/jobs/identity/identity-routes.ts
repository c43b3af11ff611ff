/**
 * Query routes of the identity step, over its state under IDENTITY_KEY:
 *   GET /identity                 counts: identifiers, components, merges, links refused by the size cap or a type
 *                                 limit, identifiers forgotten by expiry
 *   GET /identity/:type/:id       the unified id of an identifier and every identifier of its component
 * An identifier the step has not seen is a 404; a type the step does not know is a 400 listing those it does.
 */
import type { QueryRoutes } from '../../query/runtime-view.js';
import { typeOf } from './identity-graph.js';
import type { ResolvedIdentityOptions } from './identity-options.js';
import { IDENTITY_KEY, IDENTITY_STATE, NO_STATS, type IdentityStats } from './identity-step.js';

const idSchema = { type: 'string', minLength: 1, maxLength: 512 } as const;

export function identityRoutes(options: ResolvedIdentityOptions): QueryRoutes {
  const types = options.identifiers.map((s) => s.type);
  return (app, { stepId, state }) => {
    app.get('/identity', async () => ({ ...NO_STATS, ...state.value<IdentityStats>(stepId, IDENTITY_KEY, IDENTITY_STATE.stats) }));

    app.get<{ Params: { type: string; id: string } }>(
      '/identity/:type/:id',
      { schema: { params: { type: 'object', properties: { type: idSchema, id: idSchema }, required: ['type', 'id'] } } },
      async (req, reply) => {
        const { type, id } = req.params;
        if (!options.rank.has(type))
          return reply.code(400).send({ error: 'bad request', message: `unknown identifier type '${type}'; step '${stepId}' knows: ${types.join(', ')}` });
        const unified = state.mapEntry<string>(stepId, IDENTITY_KEY, IDENTITY_STATE.ids, `${type}:${id}`);
        if (unified === undefined) return reply.code(404).send({ error: 'not found', message: `step '${stepId}' has not seen ${type} '${id}'` });
        // A singleton component has no members entry: its one member is the identifier itself.
        const members = state.mapEntry<string[]>(stepId, IDENTITY_KEY, IDENTITY_STATE.components, unified) ?? [unified];
        const split = (m: string) => ({ type: typeOf(m), id: m.slice(m.indexOf(':') + 1) });
        return { unifiedId: unified, identifiers: members.map(split) };
      },
    );
  };
}
