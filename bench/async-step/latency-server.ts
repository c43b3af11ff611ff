/**
 * The service the async-step benchmark calls, in a process of its own (so its CPU is not the job's): node:http on a
 * free port, answering each POST after `latencyMs` with a small JSON body naming the idempotency key it got.
 * Prints `PORT <n>` once it listens; exits when its parent closes stdin.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const latencyMs = Number(process.argv[2] ?? '1');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: true, key: req.headers['idempotency-key'] }));
    }, latencyMs),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
