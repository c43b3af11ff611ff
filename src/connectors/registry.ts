/** The one explicit list of source and sink types a connector spec's `type` can name, plus registered custom ones. */
import type { SinkType, SourceType } from './connector.js';
import { discardSinkType } from './discard/discard-sink.js';
import { fileSinkType } from './file/file-sink.js';
import { fileSourceType } from './file/file-source.js';
import { generatorSourceType } from './generator/generator-source.js';
import { nexmarkSourceType } from './generator/nexmark-source.js';
import { kafkaSinkType } from './kafka/kafka-sink.js';
import { kafkaSourceType } from './kafka/kafka-source.js';
import { memorySinkType } from './memory/memory-sink.js';
import { memorySourceType } from './memory/memory-source.js';
import { webhookSinkType } from './webhook/webhook-sink.js';

type AnySourceType = SourceType<never>;
type AnySinkType = SinkType<never>;

const sources = new Map<string, AnySourceType>(
  ([fileSourceType, memorySourceType, generatorSourceType, nexmarkSourceType, kafkaSourceType] as AnySourceType[]).map((t) => [t.type, t]),
);
const sinks = new Map<string, AnySinkType>(
  ([fileSinkType, memorySinkType, discardSinkType, kafkaSinkType, webhookSinkType] as AnySinkType[]).map((t) => [t.type, t]),
);

/** Adds a connector type of the application's own (a custom source); its name must not shadow a built-in one. */
export function registerSourceType(type: SourceType<never>): void {
  if (sources.has(type.type)) throw new Error(`source type '${type.type}' is already registered`);
  sources.set(type.type, type);
}

export function registerSinkType(type: SinkType<never>): void {
  if (sinks.has(type.type)) throw new Error(`sink type '${type.type}' is already registered`);
  sinks.set(type.type, type);
}

export function sourceType(type: string): SourceType | undefined {
  return sources.get(type) as SourceType | undefined;
}

export function sinkType(type: string): SinkType | undefined {
  return sinks.get(type) as SinkType | undefined;
}

export function sourceTypes(): string[] {
  return [...sources.keys()];
}

export function sinkTypes(): string[] {
  return [...sinks.keys()];
}
