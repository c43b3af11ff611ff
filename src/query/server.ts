/** Starts the query app on a host and port and returns the bound address and a close handle. */
import type { FastifyInstance } from 'fastify';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startQueryServer(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  const address = await app.listen({ port, host });
  return { url: address, close: () => app.close() };
}
