/**
 * CPU time of this process's main thread alone (Linux: /proc/self/task/<pid>/stat, utime + stime in clock ticks of
 * 10 ms), so a benchmark can split a run's CPU between the main thread and the rest (worker threads, GC, libuv).
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export function mainThreadCpuSeconds(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
