/**
 * Limits on a record's shape, checked where a source turns bytes into a value: nesting depth, object keys and size.
 * A record beyond one becomes an error record (a dead letter whose reason names the limit), so no later stage meets
 * a value deep enough to overflow the stack of a recursive encoder (msgpackr between threads, JSON.stringify in a
 * sink) or large enough to stall the job. JSON is checked on its text, before parsing; msgpack on its bytes, before
 * decoding (msgpack-limits.ts), and on the decoded value where the bytes hold an extension msgpackr builds a
 * structure from.
 */

export interface RecordLimits {
  /** Deepest nesting of arrays and objects; the record itself is depth 1. */
  maxDepth: number;
  /** Object keys in the whole record, at every depth. */
  maxKeys: number;
}

/**
 * msgpackr's pack, which carries records between threads, overflowed the stack at depths between 1,000 and 1,500
 * (Node 20, default stack, nothing else on it); 100 leaves the margin for the frames beneath it, and business
 * events nest a few levels.
 */
export const DEFAULT_RECORD_LIMITS: RecordLimits = { maxDepth: 100, maxKeys: 10_000 };

/** The limits' options, as a connector's schema declares them (`maxDepth`, `maxKeys`). */
export const recordLimitProperties = {
  maxDepth: { type: 'integer', minimum: 1, maximum: 1_000, default: DEFAULT_RECORD_LIMITS.maxDepth },
  maxKeys: { type: 'integer', minimum: 1, maximum: 10_000_000, default: DEFAULT_RECORD_LIMITS.maxKeys },
} as const;

/** The limits from a connector's validated options (defaults where a TypeScript job left them out). */
export function recordLimitsOf(options: Partial<RecordLimits>): RecordLimits {
  return { maxDepth: options.maxDepth ?? DEFAULT_RECORD_LIMITS.maxDepth, maxKeys: options.maxKeys ?? DEFAULT_RECORD_LIMITS.maxKeys };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
/**
 * The fewest characters a nesting level takes in JSON text that parses: an array level `[]`, an object level
 * `{"":` and `}` around the next (the innermost can be `{}`, 3 fewer); and a key `"":0,`.
 */
const CHARS_PER_ARRAY_LEVEL = 2;
const CHARS_PER_OBJECT_LEVEL = 5;
const CHARS_PER_KEY = 5;

/**
 * Why JSON text breaks a limit, or null. Each key is followed by a colon outside strings, so colons count keys. Text
 * too short to hold more keys than allowed is not scanned character by character when it cannot nest deeper than
 * allowed either (nearly every event): when it is too short for that, or when its arrays' opening brackets and the
 * object levels that fit in the characters left cannot reach the limit. Only text that parses needs the bound:
 * V8's JSON.parse does not recurse, so text that does not parse is refused by it at any depth. Counted on the text
 * JSON.parse is given: String.prototype.indexOf runs without leaving the engine, where Buffer's crosses into C++
 * per call.
 */
export function jsonLimitViolation(text: string, limits: RecordLimits): string | null {
  const n = text.length;
  const maxDepth = limits.maxDepth;
  if (n <= CHARS_PER_KEY * limits.maxKeys) {
    if (n <= CHARS_PER_ARRAY_LEVEL * maxDepth) return null;
    const arrays = countUpTo(text, '[', maxDepth);
    if (arrays <= maxDepth && !mayNestObjectsBeyond(text, maxDepth - arrays, n - CHARS_PER_ARRAY_LEVEL * arrays)) return null;
  }
  let depth = 0;
  let keys = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: to the next quote not escaped.
      for (i++; i < n; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return depthViolation(limits);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COLON) {
      if (++keys > limits.maxKeys) return keysViolation(limits);
    }
  }
  return null;
}

/** How many times `char` occurs in `text`, counted up to just past `max`. */
function countUpTo(text: string, char: string, max: number): number {
  let count = 0;
  for (let i = text.indexOf(char); i !== -1 && count <= max; i = text.indexOf(char, i + 1)) count++;
  return count;
}

/**
 * Whether JSON text could nest more than `levels` objects inside one another, given `room` characters not taken by
 * arrays. Each object level takes CHARS_PER_OBJECT_LEVEL characters (the innermost 3 fewer), so the object levels
 * opened at or after a brace are bounded by the characters left from it: the braces are counted only until the
 * ones seen and the levels that fit in the rest cannot exceed `levels`.
 */
function mayNestObjectsBeyond(text: string, levels: number, room: number): boolean {
  if (objectLevelsIn(room) <= levels) return false;
  const n = text.length;
  let opened = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) {
    if (++opened > levels) return true;
    if (opened + objectLevelsIn(n - i - 1) <= levels) return false;
  }
  return false;
}

function objectLevelsIn(chars: number): number {
  return Math.floor((chars + 3) / CHARS_PER_OBJECT_LEVEL);
}

/**
 * Why a decoded value breaks a limit, or null; walks the value without recursion (two parallel stacks, no object
 * per node), so any depth is safe to check. Besides arrays and objects it enters what msgpackr builds from its
 * extensions and packs again by recursion: the members of a Set or Map and an Error's cause.
 */
export function valueLimitViolation(value: unknown, limits: RecordLimits): string | null {
  if (value === null || typeof value !== 'object') return null;
  const values: object[] = [value];
  const depths: number[] = [1];
  let keys = 0;
  const enter = (child: unknown, depth: number): void => {
    if (child !== null && typeof child === 'object') {
      values.push(child);
      depths.push(depth + 1);
    }
  };
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > limits.maxDepth) return depthViolation(limits);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) enter(v[i], depth);
    } else if (!ArrayBuffer.isView(v)) {
      for (const key in v) {
        if (++keys > limits.maxKeys) return keysViolation(limits);
        enter((v as Record<string, unknown>)[key], depth);
      }
      if (v instanceof Set) for (const member of v) enter(member, depth);
      else if (v instanceof Map) {
        for (const [key, member] of v) {
          enter(key, depth);
          enter(member, depth);
        }
      } else if (v instanceof Error) enter(v.cause, depth);
    }
  }
  return null;
}

export function depthViolation(limits: RecordLimits): string {
  return `record limit maxDepth: nested deeper than ${limits.maxDepth} levels`;
}

export function keysViolation(limits: RecordLimits): string {
  return `record limit maxKeys: more than ${limits.maxKeys} object keys`;
}

/** The reason for a record of `size` bytes over the size limit `limitName` (`maxMessageBytes`, `maxRecordBytes`). */
export function sizeViolation(size: number, limit: number, limitName: string): string {
  return `record limit ${limitName}: ${size} bytes, more than ${limit}`;
}
