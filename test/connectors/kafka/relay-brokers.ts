/**
 * The brokers of the relay job's outage tests: an input broker that stays up and an output broker in its own process
 * (SIGKILLed to simulate an outage), reached by the job through a stable address. Sets the environment the relay
 * fixture reads, then imports it; `sequenced` makes input events numbered from `from`.
 */
import { spawnDevBroker, type SpawnedBroker } from '../../../src/connectors/kafka/dev-broker.js';
import type { JobGraph } from '../../../src/graph/model.js';
import { makeEvents } from '../../runtime/fixtures/events.js';
import type { SequencedEvent } from './fixtures/outage-jobs.js';
import { StableAddress } from './stable-address.js';

export interface RelayBrokers {
  input: SpawnedBroker;
  output: SpawnedBroker;
  address: StableAddress;
  relay: JobGraph;
  close(): Promise<void>;
}

export async function startRelayBrokers(): Promise<RelayBrokers> {
  const input = await spawnDevBroker({ topics: ['events'] });
  const output = await spawnDevBroker({ topics: ['relayed'] });
  const address = await new StableAddress().listen();
  address.pointAt(output.bootstrap);
  Object.assign(process.env, {
    FW_OUTAGE_SOURCE_BROKERS: input.bootstrap,
    FW_OUTAGE_IN: 'events',
    FW_OUTAGE_SINK_BROKERS: address.bootstrap,
    FW_OUTAGE_OUT: 'relayed',
  });
  const { relay } = (await import('./fixtures/outage-jobs.js')) as { relay: JobGraph };
  const brokers: RelayBrokers = {
    input,
    output,
    address,
    relay,
    async close() {
      brokers.input.process.kill('SIGKILL');
      brokers.output.process.kill('SIGKILL');
      await address.close();
    },
  };
  return brokers;
}

export const sequenced = (from: number, count: number): SequencedEvent[] =>
  makeEvents({ seed: 50 + from, count, users: 100, partitions: 1, skewed: false, disorder: 0 })[0]!.map((r, i) => ({
    ...(r.value as SequencedEvent),
    seq: from + i,
  }));
