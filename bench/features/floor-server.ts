/**
 * The measurement floor of the serving benchmark: a plain `node:http` server in a process of its own that answers
 * every request with the same JSON body (the size of a feature lookup's answer). The load client's latency against
 * it is what the client and the machine cost by themselves: with no job running, or beside one (serving.ts of the
 * model benchmark). Prints `PORT <n>` when listening; stops when its parent closes stdin.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  id: 'u1',
  asOf: 1_700_000_000_000,
  features: Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`feature${i}`, i * 1.5])),
});
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.stdin.resume();
process.stdin.once('end', () => server.close(() => process.exit(0)));
