/** Starts and reads the latency server (latency-server.ts) from the test or benchmark process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./latency-server.js', import.meta.url));

export interface ServiceStats {
  calls: number;
  spanMs: number;
  meanInFlight: number;
}

export interface LatencyService {
  url: string;
  /** Calls answered so far, the span from the first arrival to the last answer (ms), the mean calls in flight over it. */
  stats(): Promise<ServiceStats>;
  stop(): void;
}

export function startLatencyService(latencyMs: number): Promise<LatencyService> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, String(latencyMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const waiting: Array<(s: ServiceStats) => void> = [];
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const port = /PORT (\d+)/.exec(out)?.[1];
      if (port && !out.includes('STARTED')) {
        out += 'STARTED';
        resolve({
          url: `http://127.0.0.1:${port}/calls`,
          stats: () =>
            new Promise((r) => {
              waiting.push(r);
              child.stdin!.write('stats\n');
            }),
          stop: () => child.stdin!.end(),
        });
      }
      for (let m = /STATS (\{[^\n]*\})\n/.exec(out); m; m = /STATS (\{[^\n]*\})\n/.exec(out)) {
        out = out.replace(m[0], '');
        const s = JSON.parse(m[1]!) as { calls: number; firstArrivalMs: number; lastAnswerMs: number; meanInFlight: number };
        waiting.shift()?.({ calls: s.calls, spanMs: s.lastAnswerMs - s.firstArrivalMs, meanInFlight: s.meanInFlight });
      }
    });
    child.once('error', reject);
  });
}
