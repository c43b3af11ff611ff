/**
 * Bytes to a record value, as the file and Kafka sources read them: JSON (checked against the record limits on its
 * text, before it is parsed), msgpack (checked on its bytes before they are decoded, and on the decoded value only
 * where the bytes hold an extension the byte scan leaves to it) or plain text. A payload that does not decode, or
 * breaks a limit, gives the reason instead of a value; it never throws.
 */
import { Packr } from 'msgpackr';
import { CHECK_DECODED_VALUE, msgpackLimitViolation } from './msgpack-limits.js';
import { jsonLimitViolation, valueLimitViolation, type RecordLimits } from './record-limits.js';

/** V8's message for a stack overflow. */
const STACK_OVERFLOW = /^Maximum call stack size exceeded/;

export type RecordFormat = 'json' | 'msgpack' | 'string';

export type Decoded = { value: unknown } | { error: string };

/**
 * structuredClone false: msgpackr refuses its reference extensions (0x69, 0x70) instead of decoding them. A reference
 * lets a few bytes stand for a value of any depth or size (a cycle, or one object shared at every level), which
 * neither a bound on the bytes nor anything that later packs or prints the value copes with; it changes nothing
 * in what is packed (references are only written with structuredClone true).
 */
const packr = new Packr({ useRecords: false, structuredClone: false });

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
  const scanned = limits === null ? null : msgpackLimitViolation(bytes, limits);
  if (typeof scanned === 'string') return { error: scanned };
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    // msgpackr decodes recursively: where the bytes were not scanned to the end (an extension left to the check on
    // the value, or no limits), a deep enough payload overflows the stack before any limit can be checked. Its other
    // RangeErrors are reads past the end of bytes cut short.
    if (err instanceof RangeError && STACK_OVERFLOW.test(err.message)) return { error: `record limit maxDepth: nested too deep to decode (${err.message})` };
    return { error: `not msgpack: ${(err as Error).message}` };
  }
  const violation = scanned === CHECK_DECODED_VALUE ? valueLimitViolation(value, limits!) : null;
  return violation === null ? { value } : { error: violation };
}

/** Encodes a value in a format (the Kafka sink's side of decodeRecord). */
export function encodeRecord(value: unknown, format: RecordFormat): Buffer {
  if (format === 'msgpack') return Buffer.from(packr.pack(value));
  if (format === 'string' && typeof value === 'string') return Buffer.from(value);
  return Buffer.from(JSON.stringify(value));
}
