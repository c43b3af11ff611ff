/**
 * The query endpoint of a running job, as a fastify app built by a factory (no listen() inside: tests use inject()).
 * Built-in routes: /healthz (503 once the job has failed), /readyz (503 with reasons when not ready: the job's, and
 * those of the readiness checks steps add), /metrics (Prometheus text), /topology.
 * An unknown route answers 404 with the list of routes the job serves.
 * Steps add their own routes over keyed state (e.g. a feature step's /features/users/:id). Every route validates its
 * input with a JSON schema; bad input is a 400 with a message saying what is expected (unknown properties included:
 * they are refused, not silently removed; body values are not converted to the types wanted: request-validation.ts).
 * A step's route may keep its answers ready to send (ready-answers.ts); plain GETs of such a route are answered
 * before fastify (ready-routes.ts). Every request's time is in the per-route histogram (request-metrics.ts).
 * The web console is served at / (console/console-routes.ts) with its JSON routes /console/status,
 * /console/access and /dead-letters (console/); OpenAPI for every route at /docs (console/openapi.ts).
 * With access tokens, every route but /healthz and /readyz (and the console's files) (and /metrics, when configured open) needs a token of
 * the role the route names (access-policy.ts); the ready path answers only requests with a viewer token, and leaves
 * the others to fastify, which answers 401 or 403. With TLS files the server speaks HTTPS. Given a logger, fastify
 * logs through it, and every answer of 500 or more is logged with its error, method and route; requests are not.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { QueryRoutes, ReadinessCheck, RuntimeView } from './runtime-view.js';
import { schemaErrorMessage } from './validation-messages.js';
import { refuseNonFiniteNumbers } from './finite-input.js';
import { requestValidatorCompiler } from './request-validation.js';
import { renderedEachTime } from './ready-answers.js';
import { ReadyRoutes, type ReadyRoute } from './ready-routes.js';
import { RequestMetrics } from './request-metrics.js';
import { AccessPolicy } from './access-policy.js';
import { accessRoute } from './console/access-route.js';
import { consoleRoutes } from './console/console-routes.js';
import { deadLetterRoutes } from './console/dead-letter-routes.js';
import { openApiGenerator, openApiRoute } from './console/openapi.js';
import { statusRoute } from './console/status-route.js';

export interface RouteContribution {
  stepId: string;
  routes: QueryRoutes;
}

export interface EndpointOptions {
  access?: AccessPolicy;
  /** PEM certificate chain and private key: the endpoint speaks HTTPS. */
  tls?: { cert: string; key: string };
  /** A pino logger for fastify's own log and the errors answered with a 500. */
  logger?: FastifyBaseLogger;
}

export function buildQueryApp(view: RuntimeView, contributions: readonly RouteContribution[] = [], options: EndpointOptions = {}): FastifyInstance {
  const metrics = new RequestMetrics(view.registry);
  const access = options.access ?? new AccessPolicy();
  const ready = new ReadyRoutes(metrics, (authorization) => access.decide(authorization, 'viewer', '').allowed);
  const app = Fastify({
    // Requests are not logged: their headers carry tokens.
    ...(options.logger ? { loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) } : { logger: false }),
    ...(options.tls ? { https: options.tls } : {}),
    routerOptions: { maxParamLength: 1024 },
    schemaErrorFormatter: schemaErrorMessage,
    serverFactory: (handler, options) => ready.server(handler, options),
  });
  app.setValidatorCompiler(requestValidatorCompiler());
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      const route = req.routeOptions.url?.replaceAll('::', ':') ?? 'unmatched';
      req.log.error(
        { event: 'http-error', code: err.code ?? 'FW_ERR_INTERNAL', method: req.method, route, status, err },
        `${req.method} ${route} answered ${status}: ${err.message}`,
      );
    }
    void reply.code(status).send({ error: status < 500 ? 'bad request' : 'internal error', message: err.message, ...(err.code ? { code: err.code } : {}) });
  });
  // The 404 answer lists what this job serves: the built-in routes and those its steps contributed.
  const served: string[] = [];
  app.addHook('onRoute', (route) => {
    // A literal colon is written '::' in a fastify route: shown as requested.
    for (const method of [route.method].flat()) if (method !== 'HEAD') served.push(`${method} ${route.url.replaceAll('::', ':')}`);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'not found', message: `no route ${req.method} ${req.url}; this job serves ${served.join(', ')}`, routes: served });
  });
  openApiGenerator(app, view.jobName);
  app.addHook('onRequest', access.onRequest);
  app.addHook('preHandler', refuseNonFiniteNumbers);
  app.addHook('onResponse', async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url?.replaceAll('::', ':') ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  // Routes are added in a plugin loaded after the OpenAPI generator, which sees routes only once it is loaded.
  void app.register(async (scope) => {
    scope.get('/healthz', { config: { access: 'open' } }, async (_req, reply) => {
      const live = await view.live();
      return reply.code(live ? 200 : 503).send({ status: live ? 'ok' : 'down', job: view.jobName });
    });
    const checks: ReadinessCheck[] = [];
    const readiness = async () => {
      const r = await view.readiness();
      const reasons = [...r.reasons, ...checks.map((check) => check()).filter((reason): reason is string => reason !== null)];
      return { ready: r.ready && reasons.length === r.reasons.length, reasons };
    };
    scope.get('/readyz', { config: { access: 'open' } }, async (_req, reply) => {
      const r = await readiness();
      return reply.code(r.ready ? 200 : 503).send(r);
    });
    scope.get('/metrics', { config: { access: access.openMetrics ? 'open' : 'viewer' } }, async (_req, reply) =>
      reply.type(view.contentType).send(await view.metrics()),
    );
    scope.get('/topology', async () => view.topology());
    consoleRoutes(scope);
    statusRoute(scope, view, async () => (await readiness()).reasons);
    accessRoute(scope, access);
    deadLetterRoutes(scope, view);
    openApiRoute(scope);
    const addReadinessCheck = (check: ReadinessCheck) => void checks.push(check);
    const answers = view.answers ?? renderedEachTime(view.state);
    const addReadyRoute = (route: ReadyRoute) => ready.add(route);
    for (const { stepId, routes } of contributions)
      routes(scope, { stepId, state: view.state, answers, addReadyRoute, addReadinessCheck, ...(view.registry ? { registry: view.registry } : {}) });
  });
  return app;
}
