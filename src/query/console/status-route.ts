/**
 * GET /console/status: the job's status for the console (job-status.ts), as JSON. However many consoles poll it,
 * the job's metrics are read at most once per MIN_SAMPLE_MS: requests in between share the last answer. Rates are
 * taken over the samples of the last RATE_WINDOW_MS (samples are taken only while someone asks).
 */
import type { FastifyInstance } from 'fastify';
import type { RuntimeView } from '../runtime-view.js';
import { jobStatus, sampleOf, type JobStatus, type StatusSample } from './job-status.js';

const MIN_SAMPLE_MS = 1_000;
const RATE_WINDOW_MS = 10_000;

export function statusRoute(app: FastifyInstance, view: RuntimeView, readinessReasons: () => Promise<string[]>): void {
  const samples: StatusSample[] = [];
  let last: { at: number; status: Promise<JobStatus> } | null = null;

  async function take(at: number): Promise<JobStatus> {
    const metrics = view.metricValues ? await view.metricValues() : [];
    const [live, reasons] = await Promise.all([view.live(), readinessReasons()]);
    const sample = sampleOf(metrics, at);
    while (samples.length > 1 && samples[0]!.at < at - RATE_WINDOW_MS) samples.shift();
    const earlier = samples[0] ?? null;
    samples.push(sample);
    return jobStatus({ name: view.jobName, live, reasons, plan: view.topology() }, metrics, sample, earlier);
  }

  app.get('/console/status', { schema: { summary: "The job's status: per-step rates, watermarks, queues, readiness" } }, async () => {
    const now = Date.now();
    if (!last || now - last.at >= MIN_SAMPLE_MS) last = { at: now, status: take(now) };
    return last.status;
  });
}
