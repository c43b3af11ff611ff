/**
 * The query endpoint's own CPU time as a Prometheus counter, read at scrape time:
 *   flywheel_query_endpoint_cpu_seconds_total  the endpoint's thread (http.isolation: thread) or its whole child
 *     process (http.isolation: process), so CPU per request is its increase over that of the request histogram's count.
 * A thread's time comes from Linux's /proc/thread-self/schedstat (nanoseconds on the CPU); where that file does not
 * exist the counter is not registered, rather than report the whole job's process as the endpoint's.
 */
import { readFileSync } from 'node:fs';
import { Counter, type Registry } from 'prom-client';

const THREAD_SCHEDSTAT = '/proc/thread-self/schedstat';

function threadCpuSeconds(): number {
  return Number(readFileSync(THREAD_SCHEDSTAT, 'utf8').split(' ')[0]) / 1e9;
}

function processCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function threadCpuReadable(): boolean {
  try {
    return Number.isFinite(threadCpuSeconds());
  } catch {
    return false;
  }
}

export function registerEndpointCpu(registry: Registry, scope: 'thread' | 'process'): void {
  if (scope === 'thread' && !threadCpuReadable()) return;
  const read = scope === 'thread' ? threadCpuSeconds : processCpuSeconds;
  let counted = 0;
  new Counter({
    name: 'flywheel_query_endpoint_cpu_seconds_total',
    help: 'CPU time of the query endpoint: its thread, or its process with http.isolation: process',
    registers: [registry],
    collect() {
      // Read on the endpoint's own thread: /metrics is answered there.
      const now = read();
      this.inc(now - counted);
      counted = now;
    },
  });
}
