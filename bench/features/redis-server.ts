/**
 * Starts Debian's redis-server (`apt-get install redis-server`) for the lookup benchmark: loopback only, on a free
 * port, with no persistence (no RDB snapshots, no append-only file), as a cache in front of a feature store runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  port: number;
  pid: number;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const redis: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('redis-server is not installed: apt-get install redis-server') : err),
    );
    redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out.slice(-2000)}`)));
  });
  redis.stdout!.resume();
  const exited = new Promise<void>((resolve) => redis.once('exit', () => resolve()));
  return {
    port,
    pid: redis.pid!,
    close: () => {
      redis.kill();
      return exited;
    },
  };
}
