/**
 * A real HTTP service for async-step tests and benchmarks (node:http on a port of its own): it answers each POST by
 * a behaviour the test chooses per request (delay, status, body, hang), and acts like a service with an idempotency
 * store: the first successful call with an `Idempotency-Key` performs the effect (counted) and stores the answer;
 * a call repeating the key gets the stored answer and performs nothing. What it keeps (effects, calls per key)
 * outlives `kill()` and `restart()`, as a service's database outlives its process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CallRequest {
  key: string;
  body: unknown;
  headers: IncomingMessage['headers'];
  /** Calls with this key so far, this one included. */
  attempt: number;
}

/** What to do with one call: answer after `delayMs`, or never (`hang`, until the connection closes). */
export interface Behaviour {
  delayMs?: number;
  status?: number;
  /** Raw body text; default: the JSON of `answer`. */
  rawBody?: string;
  hang?: boolean;
}

export class CallServer {
  /** Effects performed, per idempotency key (a correct client and service keep each at 1). */
  readonly effects = new Map<string, number>();
  readonly callsPerKey = new Map<string, number>();
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** `>key` as a call arrives, `<key` as its answer is sent, in the order they happened. */
  readonly log: string[] = [];
  private readonly stored = new Map<string, string>();
  private server: Server | null = null;
  private port = 0;
  private readonly waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(
    private readonly behaviour: (req: CallRequest) => Behaviour,
    /** The answer of a successful call. */
    private readonly answer: (req: CallRequest) => unknown,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection at once, answered or not (a crashed service). */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  restart(): Promise<this> {
    return this.start(this.port);
  }

  /** Resolves once `test()` holds (checked after every call arrives and every answer is sent). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  get totalEffects(): number {
    let n = 0;
    for (const c of this.effects.values()) n += c;
    return n;
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.test()) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const key = String(req.headers['idempotency-key'] ?? '');
    const attempt = (this.callsPerKey.get(key) ?? 0) + 1;
    this.callsPerKey.set(key, attempt);
    this.calls++;
    this.log.push(`>${key}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let closed = false;
    res.on('close', () => {
      if (!closed) this.inFlight--;
      closed = true;
      this.notify();
    });
    this.notify();
    const call: CallRequest = { key, body: text === '' ? undefined : JSON.parse(text), headers: req.headers, attempt };
    const b = this.behaviour(call);
    if (b.hang) return;
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    const status = b.status ?? 200;
    let body = b.rawBody;
    if (body === undefined && status >= 200 && status < 300 && key !== '') {
      body = this.stored.get(key);
      if (body === undefined) {
        body = JSON.stringify(this.answer(call));
        this.stored.set(key, body);
        this.effects.set(key, (this.effects.get(key) ?? 0) + 1);
      }
    }
    if (res.destroyed) return;
    this.log.push(`<${key}`);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body ?? '{}');
  }
}
