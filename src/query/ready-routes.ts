/**
 * The fast path of the query endpoint: GET routes of the form `<prefix><id>` whose answers are kept ready
 * (ready-answers.ts) are answered by the node:http request listener itself, before fastify, with the ready bytes and
 * the headers fastify would send (JSON content type and length; node:http adds date and keep-alive). Anything else
 * goes to fastify as before: another method or route, a query string (window and field selection), an id with
 * characters that fastify would decode or that its schema might refuse, a key without a value (fastify answers the
 * 404), a read that throws (fastify answers the error), and a request the access policy does not let read (fastify
 * answers 401 or 403). So a route answers the same bytes on either path. With TLS the server is an HTTPS one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { FastifyServerOptions } from 'fastify';
import type { ReadyAnswer } from './ready-answers.js';
import type { RequestMetrics } from './request-metrics.js';

export interface ReadyRoute {
  /** Everything before the id, e.g. `/features/users/`. */
  prefix: string;
  /** The route as fastify names it, for the metrics: `/features/users/:id`. */
  route: string;
  /** Longest id the route's schema accepts. */
  maxIdLength: number;
  answer: ReadyAnswer;
}

/** Ids that are the same decoded or not and pass any `\S+` pattern; others take fastify's path. */
const PLAIN_ID = /^[A-Za-z0-9_.:@~-]+$/;
const JSON_TYPE = 'application/json; charset=utf-8';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export class ReadyRoutes {
  private readonly routes: ReadyRoute[] = [];

  constructor(
    private readonly metrics: RequestMetrics,
    /** Whether a request with this Authorization header may read (viewer); others go to fastify. */
    private readonly mayRead: (authorization: string | undefined) => boolean = () => true,
  ) {}

  add(route: ReadyRoute): void {
    this.routes.push(route);
  }

  /** A node:http server for fastify's `serverFactory`: the ready routes first, then fastify's handler. */
  server(fastifyHandler: Listener, options: FastifyServerOptions): Server {
    const listener = this.listener(fastifyHandler);
    const tls = (options as { https?: TlsServerOptions | null }).https;
    const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
    // What fastify sets on a server it creates itself.
    server.keepAliveTimeout = options.keepAliveTimeout!;
    server.requestTimeout = options.requestTimeout!;
    server.setTimeout(options.connectionTimeout!);
    return server;
  }

  private listener(fastifyHandler: Listener): Listener {
    return (req, res) => {
      if (req.method !== 'GET' || !this.mayRead(req.headers.authorization) || !this.answered(req.url!, res)) fastifyHandler(req, res);
    };
  }

  /** Writes the ready answer of `url` and returns true, or returns false for fastify to answer. */
  private answered(url: string, res: ServerResponse): boolean {
    const started = performance.now();
    for (const route of this.routes) {
      if (!url.startsWith(route.prefix)) continue;
      const id = url.slice(route.prefix.length);
      if (id.length > route.maxIdLength || !PLAIN_ID.test(id)) return false;
      let body: string | undefined;
      try {
        body = route.answer(id);
      } catch {
        // fastify's route reads again and answers the error through the app's error handler.
        return false;
      }
      if (body === undefined) return false;
      res.writeHead(200, ['content-type', JSON_TYPE, 'content-length', String(body.length)]);
      res.end(body, 'latin1');
      this.metrics.observe('GET', route.route, 200, (performance.now() - started) / 1000);
      return true;
    }
    return false;
  }
}
