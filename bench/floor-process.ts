/**
 * Starts a benchmark's server in a process of its own and returns its URL and pid; `close()` ends it. The server
 * prints `PORT <n>` when listening and stops when its parent closes its stdin. The measurement floor
 * (bench/features/floor-server.ts: a plain node:http server answering a fixed body) is one.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  url: string;
  pid: number;
  close(): void;
}

export async function startServerProcess(script: URL, args: string[] = []): Promise<ServerProcess> {
  const server = spawn(process.execPath, [fileURLToPath(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`${fileURLToPath(script)} exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: server.pid!, close: () => server.stdin!.end() };
}

export function startFloorServer(): Promise<ServerProcess> {
  return startServerProcess(new URL('./features/floor-server.js', import.meta.url));
}
