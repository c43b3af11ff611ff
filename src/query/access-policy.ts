/**
 * Who may call which route of the query endpoint. Callers send `Authorization: Bearer <token>`; the endpoint knows
 * each token only by the SHA-256 of it (hex), with a name and a role: viewer < operator < admin, each role allowed
 * what the ones before it are. A route names what it needs in its fastify config (`config: { access: 'operator' }`);
 * a route that names nothing (and an unknown route, whose 404 lists the routes) needs viewer; `open` routes need no
 * token. With no tokens configured nothing is checked: the endpoint then listens on loopback only, or was allowed to
 * serve anonymously on purpose (runtime/endpoint-security.ts).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type AccessRole = 'viewer' | 'operator' | 'admin';
export type RouteAccess = 'open' | AccessRole;

export interface AccessToken {
  /** Names the token in 403 answers (never the token itself). */
  name: string;
  /** SHA-256 of the token, lower-case hex. */
  sha256: string;
  role: AccessRole;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs for this route; viewer when unset. */
    access?: RouteAccess;
  }
}

const RANK: Record<AccessRole, number> = { viewer: 1, operator: 2, admin: 3 };
const REALM = 'Bearer realm="flywheel"';
const BEARER = /^Bearer +(\S+) *$/i;

export type AccessDecision = { allowed: true } | { allowed: false; status: 401 | 403; message: string; challenge?: string };

export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

export class AccessPolicy {
  private readonly byHash: Map<string, AccessToken>;

  constructor(
    tokens: readonly AccessToken[] = [],
    /** /metrics needs no token (for a scraper inside a trusted network). */
    readonly openMetrics = false,
  ) {
    this.byHash = new Map(tokens.map((token) => [token.sha256, token]));
  }

  /** Whether tokens are checked at all. */
  get enforced(): boolean {
    return this.byHash.size > 0;
  }

  /**
   * Whether a request with this Authorization header may call a route needing `needed`; `what` names the route in
   * the message. The token is looked up by its hash, so the endpoint never holds a token and a timing difference in
   * the lookup tells at most something about a hash.
   */
  decide(authorization: string | undefined, needed: RouteAccess, what: string): AccessDecision {
    if (needed === 'open' || !this.enforced) return { allowed: true };
    const bearer = BEARER.exec(authorization ?? '');
    if (!bearer) {
      const message = `${what} needs a token: send the header 'Authorization: Bearer <token>' with a token of role ${needed} or above`;
      return { allowed: false, status: 401, message, challenge: REALM };
    }
    const token = this.byHash.get(tokenHash(bearer[1]!));
    if (!token)
      return {
        allowed: false,
        status: 401,
        message: `the bearer token sent is not one of this endpoint's tokens (runtime.http.access)`,
        challenge: `${REALM}, error="invalid_token"`,
      };
    if (RANK[token.role] >= RANK[needed]) return { allowed: true };
    return { allowed: false, status: 403, message: `${what} needs role ${needed} or above; token '${token.name}' has role ${token.role}` };
  }

  /**
   * Who a request with this Authorization header is: its token's name and role; null when tokens are not checked
   * (every route is open, as to an admin) or the header names no known token.
   */
  identify(authorization: string | undefined): Pick<AccessToken, 'name' | 'role'> | null {
    const bearer = BEARER.exec(authorization ?? '');
    const token = bearer ? this.byHash.get(tokenHash(bearer[1]!)) : undefined;
    return token ? { name: token.name, role: token.role } : null;
  }

  /** A fastify onRequest hook answering 401 or 403 for a request its route does not allow. */
  readonly onRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const needed = req.routeOptions.config?.access ?? 'viewer';
    const what = req.routeOptions.url === undefined ? `${req.method} ${req.url.split('?')[0]}` : `${req.method} ${req.routeOptions.url.replaceAll('::', ':')}`;
    const decision = this.decide(req.headers.authorization, needed, what);
    if (decision.allowed) return;
    if (decision.challenge) void reply.header('www-authenticate', decision.challenge);
    await reply.code(decision.status).send({ error: decision.status === 401 ? 'unauthorized' : 'forbidden', message: decision.message });
  };
}
