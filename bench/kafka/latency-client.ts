/**
 * The paced producer and the output reader of a latency measurement in a process of their own, as a real load
 * would be: the job under test (or the plain passthrough) keeps its main thread and event loop to itself.
 *   node dist/bench/kafka/latency-client.js '<LatencyRun as JSON>'  ->  BENCH_RESULT {LatencyResult}
 */
import { childOptions, sendResult } from '../child-process.js';
import { pacedLatency, type LatencyRun } from './latency.js';

sendResult(await pacedLatency(childOptions<LatencyRun>()));
process.exit(0);
