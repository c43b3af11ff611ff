/**
 * Decision-to-send latency of topologies/campaign.yaml: the shipped deployment, run by the CLI in a child process,
 * with three changes a measurement needs: event time follows the wall clock (startTime now, as many events per
 * second of event time as per wall second), the `send` sink posts to a local receiver (the webhook channel) instead
 * of a file, and a rules file whose decision and contact rules let most silences through (threshold 0.5, a minimum
 * gap of 1 ms), so that about `decisionsPerSecond` actions reach the receiver (the figure reports how many did). No language model: the copy is the
 * fallback (its breaker open), as on a fresh machine. The latency of an action is the receiver's clock when its
 * request arrives minus the action's `decidedAt`, its decision's event time (the end of the user's silence), so it
 * counts the watermark's wait (the source's 2 s bound on out-of-orderness), the timers, the copy step, the contact
 * step and the webhook delivery.
 * Beside it, the same work in a plain loop (plain-loop.ts), posting to the same receiver.
 * With users U and events E per second (twice the decisions asked for), a user's mean gap is U / E; a silence of 0.3
 * of it scores about 1 - e^-0.3 = 0.26, over the threshold of 0.2. Events come in sessions (bursts of views, clicks,
 * carts), so how many silences that long follow an event is measured, not assumed: see sendsPerSecond.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlainLoopOptions } from './plain-loop.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = join(repo, 'dist/src/cli.js');

export interface CampaignBenchOptions {
  decisionsPerSecond: number;
  users: number;
  warmupSeconds: number;
  seconds: number;
}

const BENCH_RULES = `inputs: [user, now]
decision:
  action: send_coupon
  threshold: 0.2
  offer: { coupon: 10, channel: email }
rules: []
contact:
  rules:
    - id: not-twice-at-once
      minGap: 1ms
`;

/** Quantile q of sorted values (nearest rank). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function campaignBench(o: CampaignBenchOptions, report: (figure: object) => void): Promise<void> {
  for (const implementation of ['flywheel', 'plain'] as const) await measure(implementation, o, report);
}

async function measure(implementation: 'flywheel' | 'plain', o: CampaignBenchOptions, report: (figure: object) => void): Promise<void> {
  const eventsPerSecond = 2 * o.decisionsPerSecond;
  const meanGapMs = (o.users / eventsPerSecond) * 1000;
  const inactiveForMs = Math.round(0.3 * meanGapMs);
  const received: Array<{ at: number; decidedAt: number }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const action = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { decidedAt: number };
      received.push({ at, decidedAt: action.decidedAt });
      res.writeHead(204).end();
    });
  });
  receiver.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/actions`;

  const dir = mkdtempSync(join(tmpdir(), 'fw-campaign-bench-'));
  mkdirSync(join(dir, 'topologies/rules'), { recursive: true });
  const shipped = readFileSync(join(repo, 'topologies/campaign.yaml'), 'utf8');
  const topology = shipped
    .replace('topologies/rules/campaign.yaml', 'topologies/rules/bench.yaml')
    .replace('topologies/rules/campaign.yaml', 'topologies/rules/bench.yaml')
    .replace(
      / {2}- id: send\n {4}op: sink\n {4}connector: .*\n/,
      `  - id: send\n    op: sink\n    connector: { type: webhook, url: "${url}", concurrency: 50, timeout: 5s }\n`,
    );
  if (topology.includes('path: ../out/campaign/sent.jsonl')) throw new Error('the send sink of campaign.yaml was not replaced: update the bench');
  writeFileSync(join(dir, 'topologies/campaign.yaml'), topology);
  writeFileSync(join(dir, 'topologies/rules/bench.yaml'), BENCH_RULES);
  cpSync(join(repo, 'topologies/rules/campaign.yaml'), join(dir, 'topologies/rules/campaign.yaml'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CAMPAIGN_PORT: '0',
    CAMPAIGN_USERS: String(o.users),
    CAMPAIGN_RATE: String(eventsPerSecond),
    CAMPAIGN_EVENT_TIME_RATE: String(eventsPerSecond),
    CAMPAIGN_START_TIME: 'now',
    CAMPAIGN_COUNT: String(Math.ceil(eventsPerSecond * (o.warmupSeconds + o.seconds + 30))),
    CAMPAIGN_INACTIVE_FOR: `${inactiveForMs}ms`,
  };
  const plain: PlainLoopOptions = {
    url,
    rules: join(dir, 'topologies/rules/bench.yaml'),
    users: o.users,
    eventsPerSecond,
    inactiveForMs,
    seconds: o.warmupSeconds + o.seconds + 5,
  };
  const child =
    implementation === 'flywheel'
      ? spawn(process.execPath, [cli, 'run', 'topologies/campaign.yaml'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [join(repo, 'dist/bench/campaign/plain-loop.js'), JSON.stringify(plain)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  child.stdout.on('data', (d: Buffer) => (printed = (printed + d).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (printed = (printed + d).slice(-20_000)));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  try {
    const started = Date.now();
    const load: number[] = [];
    const sample = setInterval(() => load.push(loadavg()[0]!), 5_000);
    await Promise.race([
      new Promise((r) => setTimeout(r, (o.warmupSeconds + o.seconds) * 1000)),
      exited.then((code) => {
        throw new Error(`the ${implementation} run exited (${code}) during the measurement: ${printed}`);
      }),
    ]);
    clearInterval(sample);
    const from = started + o.warmupSeconds * 1000;
    const window = received.filter((r) => r.at >= from);
    const latencies = window.map((r) => r.at - r.decidedAt).sort((a, b) => a - b);
    report({
      bench: 'campaign',
      implementation,
      targetDecisionsPerSecond: o.decisionsPerSecond,
      eventsPerSecond,
      users: o.users,
      inactiveForMs,
      sendsPerSecond: Math.round(window.length / o.seconds),
      sends: window.length,
      p50Ms: quantile(latencies, 0.5),
      p90Ms: quantile(latencies, 0.9),
      p99Ms: quantile(latencies, 0.99),
      maxMs: latencies.at(-1),
      seconds: o.seconds,
      loadAverage1m: Math.max(...load),
      // The deployment's own account of its lag at the end (clock lag, queues), from its last status line.
      lastStatus: /"msg":"([^"]*)"/.exec(printed.split('\n').findLast((l) => l.includes('"event":"status"')) ?? '')?.[1] ?? null,
    });
  } finally {
    child.kill('SIGTERM');
    await exited;
    receiver.closeAllConnections();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
