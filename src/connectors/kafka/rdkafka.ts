/**
 * Loads node-rdkafka on first use. Its native addon can only be loaded by one thread of a process, and worker
 * threads import the connector registry (to validate topologies) without ever opening a connector, so the addon
 * must not load at import time.
 */
import type Kafka from 'node-rdkafka';

export type Rdkafka = typeof Kafka;

let loaded: Promise<Rdkafka> | null = null;

export function loadRdkafka(): Promise<Rdkafka> {
  loaded ??= import('node-rdkafka').then((m) => m.default);
  return loaded;
}
