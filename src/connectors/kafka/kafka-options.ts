/** Options shared by the Kafka source and sink, their schemas, and value encoding in the chosen format. */
import { Packr } from 'msgpackr';

export type ValueFormat = 'json' | 'msgpack' | 'string';

export interface KafkaCommonOptions {
  topic: string;
  /** Bootstrap servers, `host:port,host:port`. */
  brokers: string;
  format: ValueFormat;
  /** Any librdkafka setting, passed through verbatim (see librdkafka's CONFIGURATION.md). */
  rdkafka?: Record<string, string | number | boolean>;
}

export const commonProperties = {
  topic: { type: 'string', minLength: 1 },
  brokers: { type: 'string', minLength: 1 },
  format: { enum: ['json', 'msgpack', 'string'], default: 'json' },
  rdkafka: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
} as const;

const packr = new Packr({ useRecords: false });

export function encodeValue(value: unknown, format: ValueFormat): Buffer {
  if (format === 'msgpack') return Buffer.from(packr.pack(value));
  if (format === 'string') return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return Buffer.from(JSON.stringify(value));
}

/** Decodes a message value; a value that does not decode gives the reason instead. */
export function decodeValue(bytes: Buffer, format: ValueFormat): { value: unknown } | { error: string } {
  try {
    if (format === 'msgpack') return { value: packr.unpack(bytes) };
    if (format === 'string') return { value: bytes.toString('utf8') };
    return { value: JSON.parse(bytes.toString('utf8')) };
  } catch (err) {
    return { error: `not ${format === 'msgpack' ? 'msgpack' : 'JSON'}: ${(err as Error).message}` };
  }
}
