/**
 * Starts the measurement floor (bench/features/floor-server.ts: a plain node:http server answering a fixed body) in
 * a process of its own and returns its URL; `close()` ends it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface FloorServer {
  url: string;
  close(): void;
}

export async function startFloorServer(): Promise<FloorServer> {
  const server = spawn(process.execPath, [fileURLToPath(new URL('./features/floor-server.js', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      const m = /PORT (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    server.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, close: () => server.stdin!.end() };
}
