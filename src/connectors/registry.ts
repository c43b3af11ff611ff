/** The one explicit list of source and sink types a connector spec's `type` can name. */
import type { SinkType, SourceType } from './connector.js';
import { discardSinkType } from './discard/discard-sink.js';
import { fileSinkType } from './file/file-sink.js';
import { fileSourceType } from './file/file-source.js';
import { memorySinkType } from './memory/memory-sink.js';
import { memorySourceType } from './memory/memory-source.js';

type AnySourceType = SourceType<never>;
type AnySinkType = SinkType<never>;

const sources: ReadonlyMap<string, AnySourceType> = new Map(([fileSourceType, memorySourceType] as AnySourceType[]).map((t) => [t.type, t]));
const sinks: ReadonlyMap<string, AnySinkType> = new Map(([fileSinkType, memorySinkType, discardSinkType] as AnySinkType[]).map((t) => [t.type, t]));

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
