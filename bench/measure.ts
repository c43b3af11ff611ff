/**
 * Measuring a run: wall time, CPU time of the whole process (all threads), and peak resident memory (the process's
 * own high-water mark, so a run measured in a fresh process reports its own peak).
 */
import { cpuUsage, memoryUsage, resourceUsage } from 'node:process';

export interface Measurement {
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
}

export async function measure(run: () => Promise<void>): Promise<Measurement> {
  let peak = memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryUsage().rss)), 50);
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(cpu0);
  peak = Math.max(peak, memoryUsage().rss, resourceUsage().maxRSS * 1024);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: Math.round(peak / 2 ** 20) };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
