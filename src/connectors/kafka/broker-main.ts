/**
 * Process entry of the dev broker: prints `FLYWHEEL_BROKER bootstrap=HOST:PORT` once up, stays up until signalled,
 * or until its parent is gone (spawnDevBroker gives it a stdin pipe, which ends when the parent exits or crashes).
 */
import { parseFlags } from '../../cli-flags.js';
import { runBrokerCommand } from './dev-broker.js';

process.stdin.once('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
process.exitCode = await runBrokerCommand(parseFlags(process.argv.slice(2), ['brokers', 'topic'], 'broker [--brokers N] [--topic NAME]...').values);
process.stdin.destroy();
