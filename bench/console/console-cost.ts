/**
 * What one open console costs, against the flywheel topology running as `flywheel run` (generated events at its
 * default pace, 2,000 a second): the first load's bytes over the wire and time to the first rendered status in
 * Debian's chromium, and the query endpoint's extra CPU while the console stays open on its job page, from the
 * endpoint's own counter (flywheel_query_endpoint_cpu_seconds_total): its increase over WINDOW seconds with the
 * console open, less its mean increase over the windows of as long with no console before and after (the same two
 * /metrics reads in each). The job's main thread answers the endpoint's requests for metric values too; that share
 * is in the job process's CPU (from /proc/<pid>/stat), also reported for the three windows, where the job's own work
 * makes it noisy (the windows before and after show how much).
 *   node dist/bench/console/console-cost.js [seconds per window, default 60]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../test/console/chromium.js';
import { firstLoad } from '../../test/console/first-load.js';
import { runJob } from '../../test/console/running-job.js';

const WINDOW_S = Number(process.argv[2] ?? 60);
const TOPOLOGY = fileURLToPath(new URL('../../../topologies/flywheel.yaml', import.meta.url));

async function endpointCpu(url: string): Promise<number> {
  const text = await (await fetch(`${url}metrics`)).text();
  const line = /^flywheel_query_endpoint_cpu_seconds_total\{[^}]*\} (\S+)$/m.exec(text);
  if (!line) throw new Error('the endpoint reports no CPU counter (not Linux?)');
  return Number(line[1]);
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** User plus system CPU seconds of a process (Linux: fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
function processCpu(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function cpuOver(url: string, pid: number, seconds: number): Promise<{ endpoint: number; process: number }> {
  const before = { endpoint: await endpointCpu(url), process: processCpu(pid) };
  await wait(seconds * 1000);
  return { endpoint: (await endpointCpu(url)) - before.endpoint, process: processCpu(pid) - before.process };
}

const state = mkdtempSync(join(tmpdir(), 'flywheel-console-cost-'));
const job = await runJob([TOPOLOGY, '--state', state, '--port', '0']);
const browser = await launchChromium();
try {
  while ((await fetch(`${job.url}readyz`)).status !== 200) await wait(500);
  const idle = await cpuOver(job.url, job.pid, WINDOW_S);
  const page = await browser.context.newPage();
  const load = await firstLoad(page, job.url, '[data-testid="steps"]');
  const open = await cpuOver(job.url, job.pid, WINDOW_S);
  await page.close();
  const after = await cpuOver(job.url, job.pid, WINDOW_S);
  const extra = (open.endpoint - (idle.endpoint + after.endpoint) / 2) / WINDOW_S;
  process.stdout.write(
    [
      `first load: ${load.bytes} bytes over the wire in ${load.requests} requests; status rendered ${load.renderedMs.toFixed(0)} ms after navigation start`,
      `endpoint CPU over ${WINDOW_S} s: ${idle.endpoint.toFixed(3)} s with no console, ${open.endpoint.toFixed(3)} s with one console open on the job page, ${after.endpoint.toFixed(3)} s after it closed`,
      `job process CPU over ${WINDOW_S} s (the job's work included): ${idle.process.toFixed(2)} s with no console, ${open.process.toFixed(2)} s with one open, ${after.process.toFixed(2)} s after`,
      `extra CPU of one open console: ${(extra * 100).toFixed(2)} % of a core`,
    ].join('\n') + '\n',
  );
} finally {
  await browser.close();
  await job.stop();
  rmSync(state, { recursive: true, force: true });
}
