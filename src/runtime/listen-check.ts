/**
 * Start-up check of the query endpoint's address, made before a job touches its state directory: the port is bound
 * once and released, so a port in use, a host that is not this machine's, or a port that needs privileges is a
 * clear error instead of an internal one after state was created. The endpoint binds the port moments later; a
 * process that takes it in between still gets the same clear error from the endpoint itself.
 */
import { createServer } from 'node:net';
import { ErrorCodes, FlywheelError } from '../core/errors.js';

export async function checkListenAddress(host: string, port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, host, port)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A failed listen as a catalogued error saying what to do. */
export function listenError(err: unknown, host: string, port: number): FlywheelError {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const cause = (err as Error).message;
  if (code === 'EADDRINUSE') {
    return new FlywheelError(
      ErrorCodes.PORT_IN_USE,
      `port ${port} on ${host} is in use by another process`,
      {},
      `stop the process on ${where}, or give another port (runtime.http.port, or --port)`,
      cause,
    );
  }
  if (code === 'EACCES')
    return new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `no permission to listen on ${where}`,
      {},
      'use a port above 1023, or run with the privilege to bind it',
      cause,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `cannot listen on ${where}: ${host} is not an address of this machine`,
      {},
      'set runtime.http.host to 127.0.0.1, 0.0.0.0 or an address of this machine',
      cause,
    );
  }
  return new FlywheelError(ErrorCodes.CONFIG_INVALID, `cannot listen on ${where}: ${cause}`, {}, 'check runtime.http.host and runtime.http.port', cause);
}
