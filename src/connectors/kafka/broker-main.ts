/** Process entry of the dev broker: prints `FLYWHEEL_BROKER bootstrap=HOST:PORT` once up, stays up until signalled. */
import { runBrokerCommand } from './dev-broker.js';

process.exitCode = await runBrokerCommand(process.argv.slice(2));
