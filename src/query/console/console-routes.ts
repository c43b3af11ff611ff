/**
 * The web console's files (built by `npm run build` into dist/console: console/ in the repository) served by the
 * job's own endpoint: GET / is the page, GET /console/<file> its script and style, answered pre-compressed (brotli
 * or gzip, as the browser accepts) with an ETag. The files carry no data, so they need no token: the page asks for
 * a token and sends it with each of its requests for data, which the routes' own access rules guard. Every URL the
 * page uses is relative, so the console also works behind a reverse proxy that serves the endpoint under a path.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build` writes the console: dist/console, beside dist/src. */
export const CONSOLE_ASSETS = fileURLToPath(new URL('../../../console/', import.meta.url));

export function consoleRoutes(app: FastifyInstance): void {
  void app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'open' };
      route.schema = { ...route.schema, hide: true };
    });
    if (!existsSync(`${CONSOLE_ASSETS}index.html`)) {
      scope.get('/', async (_req, reply) =>
        reply.code(503).send({ error: 'console not built', message: `the console's files are not in ${CONSOLE_ASSETS}: run npm run build` }),
      );
      return;
    }
    await scope.register(fastifyStatic, { root: CONSOLE_ASSETS, prefix: '/console/', preCompressed: true, index: false, cacheControl: true, maxAge: 0 });
    scope.get('/', async (_req, reply) => reply.sendFile('index.html'));
  });
}
