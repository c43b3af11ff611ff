/**
 * The load generator of the serving benchmark, run as its own process so that it takes no time from the server's
 * thread: autocannon at a fixed overall rate against POST /score with a random generated user and item per request.
 * Prints autocannon's result as one JSON line.
 *   node dist/bench/model/load-client.js URL RATE SECONDS CONNECTIONS USERS ITEMS
 */
import autocannon from 'autocannon';
import { mulberry32 } from '../../src/core/seeded-random.js';

const [url, rate, seconds, connections, users, items] = process.argv.slice(2);
const random = mulberry32(17);
const pick = (n: string) => Math.floor(random() * Number(n));

const result = await autocannon({
  url: url!,
  connections: Number(connections),
  duration: Number(seconds),
  overallRate: Number(rate),
  requests: [
    {
      method: 'POST',
      path: '/score',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ userId: `u${pick(users!)}`, itemId: `i${pick(items!)}` }) }),
    },
  ],
});
process.stdout.write(JSON.stringify(result) + '\n');
