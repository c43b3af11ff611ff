/**
 * The one shape of a dead letter's value, for records a source could not read and records a step failed on alike:
 * reason, step, source step, partition and offset (null for what no source record caused, a timer), and the record,
 * built so that no record's shape can make the dead letter itself fail to encode in its sink: the raw payload (or a
 * value that is bytes) as text when it is valid UTF-8, else as base64 (with `recordEncoding: 'base64'`); a decoded
 * value only while it is within the default record limits, else no value and the reason it was left out.
 */
import { isUtf8 } from 'node:buffer';
import { DEFAULT_RECORD_LIMITS, valueLimitViolation } from '../connectors/record-limits.js';

export interface DeadLetterRecordField {
  record: unknown;
  recordEncoding?: 'base64';
  recordOmitted?: string;
}

/** Where a dead-lettered record came from, and why it is one. */
export interface DeadLetterOrigin {
  reason: string;
  step: string;
  source: string | null;
  partition: number | null;
  offset: number | null;
}

export type DeadLetterValue = DeadLetterOrigin & DeadLetterRecordField;

export function deadLetterValue(origin: DeadLetterOrigin, raw: string | Uint8Array | undefined, value: unknown): DeadLetterValue {
  const { reason, step, source, partition, offset } = origin;
  return { reason, step, source, partition, offset, ...deadLetterRecordField(raw ?? (value instanceof Uint8Array ? value : undefined), value) };
}

export function deadLetterRecordField(raw: string | Uint8Array | undefined, value: unknown): DeadLetterRecordField {
  if (typeof raw === 'string') return { record: raw };
  if (raw !== undefined) {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    return isUtf8(bytes) ? { record: bytes.toString('utf8') } : { record: bytes.toString('base64'), recordEncoding: 'base64' };
  }
  const violation = valueLimitViolation(value, DEFAULT_RECORD_LIMITS);
  return violation === null ? { record: value ?? null } : { record: null, recordOmitted: violation };
}
