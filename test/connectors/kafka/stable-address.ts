/**
 * A stable TCP address in front of a dev broker, for outage tests. The mock broker listens on a new ephemeral port
 * each time it starts, while a job keeps the bootstrap address it was configured with (as a real deployment keeps a
 * DNS name or load balancer). This forwarder listens on one port for the whole test and passes each connection to
 * whichever broker is current; with none, it closes connections at once (the broker is unreachable). librdkafka
 * learns the new broker's advertised port from the metadata it fetches through this address.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class StableAddress {
  private target: { host: string; port: number } | null = null;
  private readonly open = new Set<Socket>();
  private server: Server | null = null;
  bootstrap = '';

  async listen(): Promise<this> {
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    this.bootstrap = `127.0.0.1:${address.port}`;
    this.server = server;
    return this;
  }

  /** Forwards new connections to `bootstrap` (`host:port` of one broker), or refuses them when null. */
  pointAt(bootstrap: string | null): void {
    if (bootstrap === null) {
      this.target = null;
      for (const s of this.open) s.destroy();
      return;
    }
    const [host, port] = bootstrap.split(',')[0]!.split(':');
    this.target = { host: host!, port: Number(port) };
  }

  private forward(client: Socket): void {
    if (!this.target) {
      client.destroy();
      return;
    }
    const upstream = createConnection(this.target);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
