/**
 * One measurement per fresh Node process, so that its peak memory, CPU time and state directory are its own and no
 * earlier run's heap or JIT state leaks into it. The parent passes the run's options as one JSON argument; the child
 * prints its result as one `BENCH_RESULT {json}` line on stdout (anything else it prints is passed through).
 */
import { spawn } from 'node:child_process';

const RESULT_PREFIX = 'BENCH_RESULT ';

export function runChild<T>(script: string, options: object, nodeArgs: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
      reject(new Error(`${script} ${JSON.stringify(options)} exited with ${code ?? signal}; output:\n${out.slice(-2000)}`));
    });
  });
}

/** The options the parent passed to this child process. */
export function childOptions<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function sendResult(result: object): void {
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
}
