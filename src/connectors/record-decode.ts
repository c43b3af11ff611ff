/**
 * Bytes to a record value, as the file and Kafka sources read them: JSON (checked against the record limits on its
 * text, before it is parsed), msgpack (checked on the decoded value) or plain text. A payload that does not
 * decode, or breaks a limit, gives the reason instead of a value; it never throws.
 */
import { Packr } from 'msgpackr';
import { jsonLimitViolation, valueLimitViolation, type RecordLimits } from './record-limits.js';

export type RecordFormat = 'json' | 'msgpack' | 'string';

export type Decoded = { value: unknown } | { error: string };

const packr = new Packr({ useRecords: false });

/** Decodes a payload; `limits` null decodes without checking them (for comparison in the benchmark only). */
export function decodeRecord(bytes: Buffer, format: RecordFormat, limits: RecordLimits | null): Decoded {
  if (format === 'string') return { value: bytes.toString('utf8') };
  if (format === 'json') {
    const text = bytes.toString('utf8');
    const violation = limits === null ? null : jsonLimitViolation(text, limits);
    if (violation !== null) return { error: violation };
    try {
      return { value: JSON.parse(text) };
    } catch (err) {
      return { error: `not JSON: ${(err as Error).message}` };
    }
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    // msgpackr decodes recursively: a deep enough payload overflows the stack before any limit can be checked.
    if (err instanceof RangeError) return { error: `record limit maxDepth: nested too deep to decode (${err.message})` };
    return { error: `not msgpack: ${(err as Error).message}` };
  }
  const violation = limits === null ? null : valueLimitViolation(value, limits);
  return violation === null ? { value } : { error: violation };
}

/** Encodes a value in a format (the Kafka sink's side of decodeRecord). */
export function encodeRecord(value: unknown, format: RecordFormat): Buffer {
  if (format === 'msgpack') return Buffer.from(packr.pack(value));
  if (format === 'string' && typeof value === 'string') return Buffer.from(value);
  return Buffer.from(JSON.stringify(value));
}
