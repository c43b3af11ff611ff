/**
 * CPU time from Linux's /proc stat files (utime + stime, in clock ticks of 10 ms): of this process's main thread
 * alone (/proc/self/task/<pid>/stat), so a benchmark can split a run's CPU between the main thread and the rest
 * (worker threads, GC, libuv), and of another process as a whole (/proc/<pid>/stat: a server under load).
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function mainThreadCpuSeconds(): number {
  return statCpuSeconds(`/proc/self/task/${process.pid}/stat`);
}

/** All threads of process `pid`. */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}
