/**
 * The record limits checked on msgpack bytes before they are decoded, from the headers, which give every
 * container's size and nesting without building a value (strings, binaries and numbers are stepped over by the
 * lengths their headers give). A first pass counts the containers opened and the keys the map headers announce; the
 * exact pass, for records that open more containers than the depth limit, tracks depth with an explicit stack of the
 * values each open container still expects, so no depth of input can overflow the stack. Both stop as soon as the
 * bytes left are too few to break a limit. Only standard msgpack and the extensions msgpackr turns into a value from
 * their own bytes (timestamps, bigints, typed arrays, undefined) are scanned; the extensions msgpackr builds a
 * structure from (records, sets, errors, regular expressions, bundled strings, and any type this scan does not
 * know) are left to the check on the decoded value.
 */
import { depthViolation, keysViolation, type RecordLimits } from './record-limits.js';

/** The scan's answer when the bytes hold an extension it leaves to the check on the decoded value. */
export const CHECK_DECODED_VALUE = Symbol('check the decoded value');

/**
 * Extension types whose value msgpackr builds from their payload alone: 0xff timestamp, 0x42 bigint, 0x74 typed
 * array, and 0x00, undefined (what msgpackr writes for an undefined property or array element).
 */
const TIMESTAMP = 0xff;
const BIGINT = 0x42;
const TYPED_ARRAY = 0x74;
const UNDEFINED = 0x00;

/**
 * The bytes a value takes when its header alone says so (fixints, nil, booleans, fixed-size numbers and fixstr,
 * header included); 0 for the headers that need more reading (containers, lengths, extensions). One table load
 * steps over most values, where a chain of comparisons cost a third more.
 */
const SCALAR_BYTES = new Uint8Array(256);
for (let token = 0x00; token <= 0x7f; token++) SCALAR_BYTES[token] = 1; // positive fixint
for (let token = 0xe0; token <= 0xff; token++) SCALAR_BYTES[token] = 1; // negative fixint
for (let token = 0xa0; token <= 0xbf; token++) SCALAR_BYTES[token] = 1 + (token - 0xa0); // fixstr
for (const token of [0xc0, 0xc1, 0xc2, 0xc3]) SCALAR_BYTES[token] = 1; // nil, never used (msgpackr's marker), false, true
for (const token of [0xcc, 0xd0]) SCALAR_BYTES[token] = 2; // uint 8, int 8
for (const token of [0xcd, 0xd1]) SCALAR_BYTES[token] = 3; // uint 16, int 16
for (const token of [0xca, 0xce, 0xd2]) SCALAR_BYTES[token] = 5; // float 32, uint 32, int 32
for (const token of [0xcb, 0xcf, 0xd3]) SCALAR_BYTES[token] = 9; // float 64, uint 64, int 64

/**
 * Values still expected in each open container around the innermost one, outermost first; shared by every scan
 * (scans run one at a time: nothing in a scan waits), and grown if a job allows deeper nesting than it holds.
 */
let enclosing = new Int32Array(1_024);

/**
 * Why msgpack bytes break a limit, null when they do not (or cannot be decoded: bytes that end inside a value, or
 * announce more values than bytes are left, are left to msgpackr, which says what is wrong with them), or
 * CHECK_DECODED_VALUE. A map's keys are counted from its header, repeated keys included (as the JSON check counts
 * them), so a map announcing more keys than allowed is refused whether or not its entries follow.
 *
 * A first pass only steps from header to header, counting the containers opened (never closed: no count of the
 * values each still expects) and the keys announced. Nesting is no deeper than the containers opened, so while
 * these stay within the limits the bytes are within them, and most records need nothing more; otherwise, or at an
 * extension, the exact pass gives the answer.
 */
export function msgpackLimitViolation(bytes: Uint8Array, limits: RecordLimits): string | null | typeof CHECK_DECODED_VALUE {
  const end = bytes.length;
  const maxDepth = limits.maxDepth;
  const maxKeys = limits.maxKeys;
  let pos = 0;
  let opened = 0;
  let keys = 0;
  let enough = end - Math.min(maxDepth, maxKeys);
  while (pos < enough) {
    const scalar = SCALAR_BYTES[bytes[pos]!]!;
    if (scalar !== 0) {
      pos += scalar;
      continue;
    }
    const token = bytes[pos++]!;
    if (token < 0x90) {
      keys += token & 0x0f; // fixmap
    } else if (token >= 0xa0) {
      // str 8, 16, 32, bin 8, 16, 32 (a Buffer: a level, as the check on a decoded value counts it), array 16, 32,
      // map 16, 32; extensions are left to the exact pass.
      const isStr = token >= 0xd9 && token <= 0xdb;
      const isBin = token >= 0xc4 && token <= 0xc6;
      if ((!isStr && !isBin && token < 0xdc) || pos + 4 > end) return exactViolation(bytes, limits);
      const lengthBytes = isStr ? 1 << (token - 0xd9) : isBin ? 1 << (token - 0xc4) : token === 0xdc || token === 0xde ? 2 : 4;
      const length = lengthAt(bytes, pos, lengthBytes);
      pos += lengthBytes;
      if (isStr || isBin) pos += length;
      if (isStr) continue;
      if (token >= 0xde) keys += length;
    } // else a fixarray
    if (++opened > maxDepth || keys > maxKeys) return exactViolation(bytes, limits);
    // Every level and key takes a byte at least: past here, too few bytes are left to break a limit.
    enough = end - Math.min(maxDepth - opened, maxKeys - keys);
  }
  return null;
}

/** The exact pass: depth from the values each open container still expects, stopping where no limit can break. */
function exactViolation(bytes: Uint8Array, limits: RecordLimits): string | null | typeof CHECK_DECODED_VALUE {
  const end = bytes.length;
  const maxDepth = limits.maxDepth;
  const maxKeys = limits.maxKeys;
  if (enclosing.length <= maxDepth) enclosing = new Int32Array(maxDepth + 1);
  const stack = enclosing;
  let pos = 0;
  let depth = 0; // open containers around the next value
  let left = 1; // values still expected in the innermost open container (the record itself: one value)
  let keys = 0;
  // Every level of nesting and every key takes a byte at least, whatever msgpackr builds from the bytes (references
  // aside, which it is told to refuse): once the bytes left are too few to break a limit, the rest need no scan.
  let enough = end - Math.min(maxDepth - depth, maxKeys - keys);
  while (pos < enough) {
    const scalar = SCALAR_BYTES[bytes[pos]!]!;
    if (scalar !== 0) {
      pos += scalar;
    } else {
      const token = bytes[pos++]!;
      // A container's values (twice a map's entries) once its header is read; -1 for any other value.
      let size = -1;
      if (token < 0xa0) {
        size = token & 0x0f; // fixmap, fixarray
        if (token < 0x90) {
          if ((keys += size) > maxKeys) return keysViolation(limits);
          size *= 2;
        }
      } else {
        switch (token) {
          case 0xc4: // bin 8, 16, 32: a Buffer, an object one level down as the check on a decoded value counts it
          case 0xc5:
          case 0xc6:
          case 0xd9: // str 8, 16, 32
          case 0xda:
          case 0xdb: {
            const isBin = token <= 0xc6;
            if (isBin && depth >= maxDepth) return depthViolation(limits);
            const lengthBytes = 1 << (isBin ? token - 0xc4 : token - 0xd9);
            if (pos + lengthBytes > end) return null;
            pos += lengthBytes + lengthAt(bytes, pos, lengthBytes);
            break;
          }
          case 0xd4: // fixext 1, 2, 4, 8, 16: the type byte, then the payload
          case 0xd5:
          case 0xd6:
          case 0xd7:
          case 0xd8:
            if (pos + 1 > end) return null;
            if (!builtFromPayload(bytes[pos]!)) return CHECK_DECODED_VALUE;
            if (isObject(bytes[pos]!) && depth >= maxDepth) return depthViolation(limits);
            pos += 1 + (1 << (token - 0xd4));
            break;
          case 0xc7: // ext 8, 16, 32: the payload's length, the type byte, then the payload
          case 0xc8:
          case 0xc9: {
            const lengthBytes = 1 << (token - 0xc7);
            if (pos + lengthBytes + 1 > end) return null;
            const type = bytes[pos + lengthBytes]!;
            if (!builtFromPayload(type)) return CHECK_DECODED_VALUE;
            if (isObject(type) && depth >= maxDepth) return depthViolation(limits);
            pos += lengthBytes + 1 + lengthAt(bytes, pos, lengthBytes);
            break;
          }
          default: {
            // array 16, 32 (0xdc, 0xdd), map 16, 32 (0xde, 0xdf): every other header is in SCALAR_BYTES
            const lengthBytes = token === 0xdc || token === 0xde ? 2 : 4;
            if (pos + lengthBytes > end) return null;
            size = lengthAt(bytes, pos, lengthBytes);
            pos += lengthBytes;
            if (token >= 0xde) {
              if ((keys += size) > maxKeys) return keysViolation(limits);
              size *= 2;
            }
          }
        }
      }
      if (size >= 0) {
        // A container one level inside those open around it, empty or not.
        if (depth >= maxDepth) return depthViolation(limits);
        // Every value takes a byte at least: more values than bytes left cannot be decoded (msgpackr says so).
        if (size > end - pos) return null;
        if (size > 0) {
          stack[depth++] = left - 1;
          left = size;
          enough = end - Math.min(maxDepth - depth, maxKeys - keys);
          continue;
        }
      }
    }
    // This value done: close the containers it completed.
    if (--left === 0) {
      do {
        if (depth === 0) return null;
        left = stack[--depth]!;
      } while (left === 0);
      enough = end - Math.min(maxDepth - depth, maxKeys - keys);
    }
  }
  return null;
}

function builtFromPayload(type: number): boolean {
  return type === TIMESTAMP || type === TYPED_ARRAY || type === BIGINT || type === UNDEFINED;
}

/** A Date or typed array is an object one level down, as the check on a decoded value counts it; a bigint is not. */
function isObject(type: number): boolean {
  return type === TIMESTAMP || type === TYPED_ARRAY;
}

/** The big-endian unsigned integer of 1, 2 or 4 bytes at `at`: a length or a count in a header. */
function lengthAt(bytes: Uint8Array, at: number, lengthBytes: number): number {
  if (lengthBytes === 1) return bytes[at]!;
  if (lengthBytes === 2) return (bytes[at]! << 8) | bytes[at + 1]!;
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}
