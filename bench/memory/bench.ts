/**
 * Memory over a backlog: runs a shipped topology with the project's CLI (`flywheel run`, its own process) over N
 * events from the topology's generator, unpaced, on a fresh state directory, and samples the process's resident
 * memory once a second from /proc: all of it (VmRSS), the part that is the process's own (RssAnon: heaps of the
 * main and worker threads, buffers) and the part that maps files (RssFile: LMDB's memory map, which the kernel can
 * drop at will). Reports the peak, the steady level (median of the last quarter of samples), whether it levelled off
 * (the last quarter's peak within 5% of the third quarter's), and the load average during the run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnDevBroker } from '../../src/connectors/kafka/dev-broker.js';

export interface MemoryBenchOptions {
  /** Topology files (relative to the repository root). */
  topologies: string[];
  events: number;
  /** `nice` level the job runs at (the machine is shared). */
  niceness: number;
  /** Extra Node flags for the job's process (e.g. --heapsnapshot-signal=SIGUSR2). */
  nodeArgs: string[];
}

/** The environment variable each shipped generator-fed topology reads its event count from. */
const COUNT_VARIABLES: Record<string, { count: string; rate?: string; sinkTopics?: string[] }> = {
  'topologies/flywheel.yaml': { count: 'FLYWHEEL_COUNT', rate: 'FLYWHEEL_RATE' },
  'topologies/features.yaml': { count: 'FLYWHEEL_FEATURES_COUNT' },
  // Writes its reports to Kafka: a dev broker (its own process) takes them.
  'topologies/experiments.yaml': { count: 'FLYWHEEL_EXPERIMENTS_COUNT', sinkTopics: ['experiment-results'] },
};

interface MemorySample {
  atMs: number;
  rss: number;
  rssAnon: number;
  rssFile: number;
}

const MB = 2 ** 20;

function sampleMemory(pid: number, atMs: number): MemorySample | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { atMs, rss: kb('VmRSS'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Peak, steady level and whether it levelled off, of one series of samples. */
function summarize(samples: MemorySample[], pick: (s: MemorySample) => number) {
  const values = samples.map(pick);
  const quarter = Math.max(1, Math.floor(values.length / 4));
  const last = values.slice(-quarter);
  const third = values.slice(-2 * quarter, -quarter);
  const lastPeak = Math.max(...last);
  const thirdPeak = third.length > 0 ? Math.max(...third) : lastPeak;
  return { peakMb: Math.round(Math.max(...values) / MB), steadyMb: Math.round(median(last) / MB), levelled: lastPeak <= thirdPeak * 1.05 };
}

async function runTopology(root: string, topology: string, options: MemoryBenchOptions, report: (figure: object) => void): Promise<void> {
  const variables = COUNT_VARIABLES[topology];
  if (!variables) throw new Error(`${topology}: no generator count variable known; choose one of ${Object.keys(COUNT_VARIABLES).join(', ')}`);
  const stateDir = mkdtempSync(join(tmpdir(), 'fw-memory-bench-'));
  const port = await freePort();
  const broker = variables.sinkTopics ? await spawnDevBroker({ topics: variables.sinkTopics }) : null;
  const env = {
    ...process.env,
    [variables.count]: String(options.events),
    ...(variables.rate ? { [variables.rate]: '0' } : {}),
    ...(broker ? { FLYWHEEL_BROKERS: broker.bootstrap } : {}),
  };
  const args = [
    '-n',
    String(options.niceness),
    process.execPath,
    ...options.nodeArgs,
    join(root, 'dist/src/cli.js'),
    'run',
    topology,
    '--state',
    stateDir,
    '--port',
    String(port),
  ];
  const started = Date.now();
  const child = spawn('nice', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: MemorySample[] = [];
  const loads: number[] = [];
  let lastStatus = '';
  child.stdout!.on('data', (d: Buffer) => {
    // The job's status lines, passed on so a long run shows its progress.
    process.stderr.write(d);
    const lines = d.toString().trim().split('\n');
    lastStatus = lines[lines.length - 1] ?? lastStatus;
    // A topology that keeps serving after its input (runtime.http.keepServing) is stopped once it says so.
    if (lines.some((l) => / still serving on \S+ until stopped/.test(l))) child.kill('SIGINT');
  });
  // `nice` execs node, so the child's pid is the job's process.
  const sampler = setInterval(() => {
    const s = sampleMemory(child.pid!, Date.now() - started);
    if (s) samples.push(s);
    loads.push(loadavg()[0]!);
  }, 1_000);
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  clearInterval(sampler);
  await broker?.stop();
  rmSync(stateDir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`${topology} exited with ${code}; last output: ${lastStatus}`);
  if (samples.length < 8) throw new Error(`${topology}: only ${samples.length} samples; run more events`);
  report({
    bench: 'memory',
    topology,
    events: options.events,
    seconds: Math.round((Date.now() - started) / 1000),
    rss: summarize(samples, (s) => s.rss),
    rssAnon: summarize(samples, (s) => s.rssAnon),
    rssFile: summarize(samples, (s) => s.rssFile),
    /** RSS every tenth of the run, to see the shape of the curve. */
    rssCurveMb: Array.from({ length: 10 }, (_, i) => Math.round(samples[Math.floor(((i + 1) * samples.length) / 10) - 1]!.rss / MB)),
    loadAverage: { min: Math.min(...loads), max: Math.max(...loads) },
    lastStatus,
  });
}

export async function memoryBench(root: string, options: MemoryBenchOptions, report: (figure: object) => void): Promise<void> {
  for (const topology of options.topologies) await runTopology(resolve(root), topology, options, report);
}
