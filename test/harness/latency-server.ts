/**
 * A lean HTTP service in a process of its own (so its CPU is not the caller's), for async-step throughput tests and
 * the async-step benchmark: node:http on a free port, answering each request after `latencyMs` with a small JSON
 * body naming the idempotency key it got. Prints `PORT <n>` once it listens; on a `stats` line on stdin prints
 * `STATS {"calls","firstArrivalMs","lastAnswerMs","meanInFlight"}`; exits when stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const latencyMs = Number(process.argv[2] ?? '1');
let calls = 0;
let firstArrivalMs = 0;
let lastAnswerMs = 0;
/** Time-weighted calls in flight: their integral over time, and when it was last brought up to date. */
let inFlight = 0;
let inFlightMsSum = 0;
let changedAt = 0;
const track = (delta: number): void => {
  const now = performance.now();
  inFlightMsSum += inFlight * (now - changedAt);
  changedAt = now;
  inFlight += delta;
};
const server = createServer((req, res) => {
  if (calls++ === 0) firstArrivalMs = changedAt = performance.now();
  track(1);
  req.resume();
  req.on('end', () =>
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: true, key: req.headers['idempotency-key'] }));
      lastAnswerMs = performance.now();
      track(-1);
    }, latencyMs),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  if (line.includes('stats'))
    process.stdout.write(
      `STATS ${JSON.stringify({ calls, firstArrivalMs, lastAnswerMs, meanInFlight: inFlightMsSum / Math.max(1, lastAnswerMs - firstArrivalMs) })}\n`,
    );
});
process.stdin.on('end', () => process.exit(0));
