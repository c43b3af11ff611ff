/**
 * A job run by the `flywheel` command in a process of its own, as a user runs one, for the console's browser tests
 * and measurements: it resolves once the job's query endpoint says where it listens, and stops with SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface RunningJob {
  /** The endpoint's URL, ending in '/'. */
  url: string;
  pid: number;
  /** What the process has written so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export async function runJob(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningJob> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /query endpoint listening on \S+, (https?:\/\/\S+) /.exec(output);
      if (listening) resolve(listening[1]!);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    void exited.then((code) => reject(new Error(`the job exited (code ${code}) before its endpoint listened:\n${output}`)));
  });
  return {
    url: `${url}/`,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
