/**
 * A load client in a process of its own, so its CPU and event loop are not the server's: autocannon against
 * `GET <path-prefix><id><path-suffix>` for ids drawn with a fixed-seed generator, at a fixed overall rate (or as fast as it can),
 * then one JSON line with the achieved rate and the latency percentiles on stdout.
 *   node dist/bench/features/load-client.js '{"url":..,"pathPrefix":..,"idsFile":..,"rate":10000,"seconds":10,"connections":20}'
 * where idsFile holds a JSON array of ids.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface LoadPlan {
  url: string;
  pathPrefix: string;
  /** Appended to each path (a query string). */
  pathSuffix: string;
  idsFile: string;
  /** Requests per second in total; 0 for as fast as possible. */
  rate: number;
  seconds: number;
  connections: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const ids = JSON.parse(readFileSync(plan.idsFile, 'utf8')) as string[];
let draw = 12_345;
const nextPath = () => `${plan.pathPrefix}${ids[((draw = (draw * 1_103_515_245 + 12_345) % 2 ** 31)) % ids.length]}${plan.pathSuffix}`;

const result = await autocannon({
  url: plan.url,
  connections: plan.connections,
  duration: plan.seconds,
  ...(plan.rate > 0 ? { overallRate: plan.rate } : {}),
  requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
});
const { latency, requests } = result;
process.stdout.write(
  JSON.stringify({
    client: 'autocannon',
    offeredRate: plan.rate,
    requestsPerSecond: Math.round(requests.total / result.duration),
    total: requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { mean: latency.mean, p50: latency.p50, p90: latency.p90, p99: latency.p99, p999: latency.p99_9, max: latency.max },
  }) + '\n',
);
