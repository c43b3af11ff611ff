/**
 * An estimate of the heap bytes a decoded state value takes, for the state cache's budget (state-cache-budget.ts).
 * State values are plain data as msgpack decodes them: numbers, strings, booleans, null, arrays, plain objects and
 * byte arrays. The figures follow V8's layout on 64-bit Node (8-byte fields, no pointer compression): an object is
 * a header of three fields plus one per property, an array a header plus a backing store of one field per element,
 * a number not a small integer a 16-byte box, a string a header plus one byte per character. An estimate, not a
 * measure: V8 may share strings and shapes, or leave room to grow, so the heap can differ from it by a fraction.
 */

const FIELD = 8;
const OBJECT_HEADER = 3 * FIELD;
const ARRAY_HEADER = 4 * FIELD + 2 * FIELD;
const HEAP_NUMBER = 16;
const STRING_HEADER = 3 * FIELD;
const BYTES_HEADER = 12 * FIELD;
const SMALL_INTEGER = 2 ** 30;

/** Estimated heap bytes of a decoded state value (not counting the field that points to it). */
export function estimateBytes(value: unknown): number {
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < SMALL_INTEGER ? 0 : HEAP_NUMBER;
    case 'string':
      return STRING_HEADER + value.length;
    case 'object': {
      if (value === null) return 0;
      if (Array.isArray(value)) {
        let bytes = ARRAY_HEADER + value.length * FIELD;
        for (const element of value) bytes += estimateBytes(element);
        return bytes;
      }
      if (ArrayBuffer.isView(value)) return BYTES_HEADER + value.byteLength;
      let bytes = OBJECT_HEADER;
      for (const key in value) bytes += FIELD + estimateBytes((value as Record<string, unknown>)[key]);
      return bytes;
    }
    default:
      return 0;
  }
}
