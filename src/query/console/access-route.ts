/**
 * GET /console/access: who the caller is to this endpoint, so the console can offer only what the caller's role
 * may do (a viewer sees the rollout commands disabled, with why, rather than clicking into a 403). It answers the
 * token's name and role, never the token or its hash; with no tokens configured every route is open, as to an admin.
 * The routes still check every request themselves: this answer only shapes the page.
 */
import type { FastifyInstance } from 'fastify';
import type { AccessPolicy, AccessRole } from '../access-policy.js';

export interface CallerAccess {
  /** Whether the endpoint checks tokens at all. */
  tokens: boolean;
  /** The token's name; null without tokens. */
  name: string | null;
  role: AccessRole;
}

export function accessRoute(app: FastifyInstance, access: AccessPolicy): void {
  app.get(
    '/console/access',
    {
      schema: {
        summary: "The caller's token name and role (no token or hash), for the console to show what the role may do",
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['tokens', 'name', 'role'],
            properties: { tokens: { type: 'boolean' }, name: { type: ['string', 'null'] }, role: { type: 'string', enum: ['viewer', 'operator', 'admin'] } },
          },
        },
      },
    },
    async (req): Promise<CallerAccess> => {
      if (!access.enforced) return { tokens: false, name: null, role: 'admin' };
      // The access hook has let the request through, so its token is known.
      const caller = access.identify(req.headers.authorization)!;
      return { tokens: true, name: caller.name, role: caller.role };
    },
  );
}
