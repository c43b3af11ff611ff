/** Runs the flywheel CLI (the built dist/src/cli.js) in a child process, as a user would, and collects its output. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs the CLI until it exits or, once `killWhen` resolves, SIGKILLs it (a crash): how it ended and everything it
 * printed (stdout and stderr). A non-zero exit rejects.
 */
export function runCliKilledWhen(
  args: string[],
  env: NodeJS.ProcessEnv,
  killWhen: Promise<void> | null,
): Promise<{ outcome: 'finished' | 'killed'; printed: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    child.stdout.on('data', (d) => (printed += d));
    child.stderr.on('data', (d) => (printed += d));
    void killWhen?.then(() => child.kill('SIGKILL'));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ outcome: 'killed', printed });
      else if (code === 0) resolve({ outcome: 'finished', printed });
      else reject(new Error(`job exited with ${code}: ${printed}`));
    });
  });
}
