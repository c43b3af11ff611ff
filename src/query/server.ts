/** Starts the query app on a host and port and returns the bound address and a close handle. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RunningServer {
  /** A URL that reaches the server from this machine. */
  url: string;
  /** The address actually bound, `host:port` (`0.0.0.0:8080` when listening on every interface). */
  address: string;
  close(): Promise<void>;
}

export async function startQueryServer(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const url = await app.listen({ port, host });
  const bound = app.server.address() as AddressInfo;
  const address = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
  return { url, address, close: () => app.close() };
}
