/** Options shared by the Kafka source and sink and their schemas. */
import type { RecordFormat } from '../record-decode.js';

export interface KafkaCommonOptions {
  topic: string;
  /** Bootstrap servers, `host:port,host:port`. */
  brokers: string;
  format: RecordFormat;
  /** Any librdkafka setting, passed through verbatim (see librdkafka's CONFIGURATION.md). */
  rdkafka?: Record<string, string | number | boolean>;
}

export const commonProperties = {
  topic: { type: 'string', minLength: 1 },
  brokers: { type: 'string', minLength: 1 },
  format: { enum: ['json', 'msgpack', 'string'], default: 'json' },
  rdkafka: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
} as const;
