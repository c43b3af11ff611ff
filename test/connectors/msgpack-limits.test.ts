/**
 * The record limits on msgpack bytes (src/connectors/msgpack-limits.ts) and msgpack decoding with them
 * (decodeRecord): nesting of any depth, in every kind of container header, is refused by the scan before msgpackr
 * recurses, with the reason naming the limit; a map header announcing too many keys is refused from the header;
 * headers announcing more than the bytes hold are left to msgpackr, which refuses them; extensions are scanned or
 * left to the check on the decoded value; and, property-based, every payload within the limits decodes exactly as
 * msgpackr decodes it, while a payload the scan refuses really breaks a limit (an independent recursive count).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { CHECK_DECODED_VALUE, msgpackLimitViolation } from '../../src/connectors/msgpack-limits.js';
import { decodeRecord } from '../../src/connectors/record-decode.js';
import { DEFAULT_RECORD_LIMITS, type RecordLimits } from '../../src/connectors/record-limits.js';

const plain = new Packr({ useRecords: false });
const withRecords = new Packr();
/** Writes Sets, Errors, RegExps, typed arrays and bigints beyond 64 bits as msgpackr's extensions. */
const moreTypes = new Packr({ useRecords: false, moreTypes: true });
const tooDeep = 'record limit maxDepth: nested deeper than 100 levels';

/** Containers nested `depth` deep, each with one value, the innermost holding nil. */
function nested(depth: number, header: number[]): Buffer {
  const bytes = new Uint8Array(depth * header.length + 1);
  for (let level = 0; level < depth; level++) bytes.set(header, level * header.length);
  bytes[bytes.length - 1] = 0xc0;
  return Buffer.from(bytes);
}

const headers: Record<string, number[]> = {
  fixarray: [0x91],
  'array 16': [0xdc, 0x00, 0x01],
  'array 32': [0xdd, 0x00, 0x00, 0x00, 0x01],
  'fixmap, key "a"': [0x81, 0xa1, 0x61],
  'map 16, key 7': [0xde, 0x00, 0x01, 0x07],
  'map 32, key "k"': [0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, 0x6b],
};

test('nesting 3,000, 10,000 and 100,000 deep is refused by the scan, naming maxDepth, in every container header', () => {
  for (const depth of [3_000, 10_000, 100_000]) {
    for (const [name, header] of Object.entries(headers)) {
      const bytes = nested(depth, header);
      assert.equal(msgpackLimitViolation(bytes, DEFAULT_RECORD_LIMITS), tooDeep, `${name} x ${depth}`);
      assert.deepEqual(decodeRecord(bytes, 'msgpack', DEFAULT_RECORD_LIMITS), { error: tooDeep }, `${name} x ${depth}`);
    }
  }
});

test('exactly maxDepth levels decode as msgpackr decodes them; one level more is refused', () => {
  for (const [name, header] of Object.entries(headers)) {
    for (const maxDepth of [1, 100, 1_000]) {
      const limits: RecordLimits = { maxDepth, maxKeys: DEFAULT_RECORD_LIMITS.maxKeys };
      const within = nested(maxDepth, header);
      assert.equal(msgpackLimitViolation(within, limits), null, `${name} x ${maxDepth}`);
      assert.deepEqual(decodeRecord(within, 'msgpack', limits), { value: plain.unpack(Buffer.from(within)) });
      assert.equal(msgpackLimitViolation(nested(maxDepth + 1, header), limits), `record limit maxDepth: nested deeper than ${maxDepth} levels`);
    }
  }
  // Deeper than any option allows (a TypeScript job can pass any number): the scan's stack grows with the limit.
  assert.equal(msgpackLimitViolation(nested(5_000, [0x91]), { maxDepth: 5_000, maxKeys: 1 }), null);
  assert.equal(msgpackLimitViolation(nested(5_001, [0x91]), { maxDepth: 5_000, maxKeys: 1 }), 'record limit maxDepth: nested deeper than 5000 levels');
});

test('empty containers and containers closed by their last value count as levels like any other', () => {
  const limits: RecordLimits = { maxDepth: 3, maxKeys: 100 };
  // [[[]]] is 3 deep, [[[[]]]] 4; [[1, [2]], 3] is 3 deep once the inner lists close.
  assert.equal(msgpackLimitViolation(plain.pack([[[]]]), limits), null);
  assert.match(msgpackLimitViolation(plain.pack([[[[]]]]), limits) as string, /^record limit maxDepth/);
  assert.equal(msgpackLimitViolation(plain.pack([[1, [2]], 3, [4, [5]]]), limits), null);
  assert.match(msgpackLimitViolation(plain.pack([[1, [2]], 3, [4, [5, [6]]]]), limits) as string, /^record limit maxDepth/);
  assert.match(msgpackLimitViolation(plain.pack({ a: { b: 1 }, c: { d: { e: {} } } }), limits) as string, /^record limit maxDepth/);
});

test('a map announcing more keys than maxKeys is refused from its header when the bytes are long enough to hold them', () => {
  const tooMany = 'record limit maxKeys: more than 10000 object keys';
  // 4,294,967,295 entries announced, 20,000 bytes of entries following: refused at the header, the entries unread.
  const entries = Array.from({ length: 10_000 }, () => [0xa0, 0x01]).flat();
  const announced = Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff, ...entries]);
  assert.equal(msgpackLimitViolation(announced, DEFAULT_RECORD_LIMITS), tooMany);
  assert.deepEqual(decodeRecord(announced, 'msgpack', DEFAULT_RECORD_LIMITS), { error: tooMany });
  // Bytes too few to hold more keys than allowed are not scanned: msgpackr refuses the header as cut short.
  const short = Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa0, 0x01]);
  assert.equal(msgpackLimitViolation(short, DEFAULT_RECORD_LIMITS), null);
  assert.deepEqual(decodeRecord(short, 'msgpack', DEFAULT_RECORD_LIMITS), { error: 'not msgpack: Unexpected end of MessagePack data' });
  // Keys add up across maps and levels: 666 maps of 15 keys are 9,990.
  const maps = plain.pack({ list: Array.from({ length: 666 }, () => Object.fromEntries(Array.from({ length: 15 }, (_, k) => [`k${k}`, k]))) });
  assert.equal(msgpackLimitViolation(maps, { maxDepth: 100, maxKeys: 9_991 }), null);
  assert.equal(msgpackLimitViolation(maps, { maxDepth: 100, maxKeys: 9_990 }), 'record limit maxKeys: more than 9990 object keys');
  assert.deepEqual(decodeRecord(Buffer.from(maps), 'msgpack', { maxDepth: 100, maxKeys: 9_991 }), { value: plain.unpack(maps) });
});

test('arrays, strings, binaries and extensions announced larger than the bytes are refused as not msgpack', () => {
  const truncated: Record<string, number[]> = {
    'array 32 of 4,294,967,295': [0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0],
    'array 16 in array 16 in array 16, each of 65,535': [0xdc, 0xff, 0xff, 0xdc, 0xff, 0xff, 0xdc, 0xff, 0xff],
    'map 16 of 5,000 entries': [0xde, 0x13, 0x88, 0xa1, 0x61, 0x01],
    'str 32 of 4 GiB': [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61],
    'str 8 past the end': [0x92, 0xd9, 0x20, 0x61],
    'bin 32 of 4 GiB': [0xc6, 0xff, 0xff, 0xff, 0xff, 0x00],
    'bin 16 in a map': [0x81, 0xa1, 0x61, 0xc5, 0xff, 0xff],
    'ext 32 timestamp of 4 GiB': [0xc9, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
    'float 64 cut short': [0x91, 0xcb, 0x40],
    'header cut short': [0x91, 0xdd, 0x00],
    'no bytes': [],
  };
  for (const [name, bytes] of Object.entries(truncated)) {
    const buffer = Buffer.from(bytes);
    assert.equal(msgpackLimitViolation(buffer, DEFAULT_RECORD_LIMITS), null, `${name}: left to msgpackr`);
    const decoded = decodeRecord(buffer, 'msgpack', DEFAULT_RECORD_LIMITS);
    assert.ok('error' in decoded && /^not msgpack: /.test(decoded.error), `${name}: ${JSON.stringify(decoded)}`);
  }
});

test('timestamps, bigints, typed arrays and undefined are scanned; a Date or typed array is a level, a bigint is not', () => {
  const value = {
    at: new Date(1_767_225_600_123),
    big: 2n ** 70n,
    floats: new Float64Array([1.5, -2]),
    bytes: new Uint16Array([1, 2, 3]),
    list: [new Date(0), undefined],
  };
  const bytes = moreTypes.pack(value);
  assert.equal(msgpackLimitViolation(bytes, DEFAULT_RECORD_LIMITS), null);
  assert.deepEqual(decodeRecord(Buffer.from(bytes), 'msgpack', DEFAULT_RECORD_LIMITS), { value: plain.unpack(bytes) });
  const limits: RecordLimits = { maxDepth: 2, maxKeys: 100 };
  assert.equal(msgpackLimitViolation(moreTypes.pack([[2n ** 70n, undefined]]), limits), null);
  assert.match(msgpackLimitViolation(moreTypes.pack([[new Date(0)]]), limits) as string, /^record limit maxDepth/);
  assert.match(msgpackLimitViolation(moreTypes.pack([[new Uint16Array([1])]]), limits) as string, /^record limit maxDepth/);
});

test('extensions msgpackr builds a structure from are left to the check on the decoded value, which enters them', () => {
  const values = {
    'a Set': { tags: new Set(['a', 'b']) },
    'an Error': { failure: new Error('boom') },
    'a RegExp': { pattern: /a+b/g },
  };
  for (const [name, value] of Object.entries(values)) {
    const bytes = moreTypes.pack(value);
    assert.equal(msgpackLimitViolation(bytes, { maxDepth: 1, maxKeys: 100 }), CHECK_DECODED_VALUE, name);
    assert.deepEqual(decodeRecord(Buffer.from(bytes), 'msgpack', DEFAULT_RECORD_LIMITS), { value: plain.unpack(bytes) }, name);
  }
  // Records (msgpackr's default when a Packr is made without options) define their keys in the bytes.
  const orders = Array.from({ length: 40 }, (_, i) => ({ id: i, lines: [{ sku: `s${i}`, qty: i % 3 }] }));
  const recordBytes = withRecords.pack(orders);
  const fewKeys: RecordLimits = { maxDepth: 10, maxKeys: 100 };
  assert.equal(msgpackLimitViolation(recordBytes, fewKeys), CHECK_DECODED_VALUE);
  assert.deepEqual(decodeRecord(Buffer.from(recordBytes), 'msgpack', DEFAULT_RECORD_LIMITS), { value: plain.unpack(recordBytes) });
  assert.deepEqual(decodeRecord(Buffer.from(recordBytes), 'msgpack', fewKeys), { error: 'record limit maxKeys: more than 100 object keys' });
  // A chain of 150 Sets (each holding a list) or of 150 Errors (each the cause of the next) is nested deeper than 100
  // levels; the check on the value used to stop at a Set or Error, and msgpackr packs both by recursion.
  const sets = Buffer.from([...Array.from({ length: 150 }, () => [0xd4, 0x73, 0x00, 0x91]).flat(), 0xc0]);
  assert.deepEqual(decodeRecord(sets, 'msgpack', DEFAULT_RECORD_LIMITS), { error: tooDeep });
  let error: Error | undefined;
  for (let i = 0; i < 150; i++) error = new Error(`level ${i}`, { cause: error });
  assert.deepEqual(decodeRecord(Buffer.from(moreTypes.pack({ error })), 'msgpack', DEFAULT_RECORD_LIMITS), { error: tooDeep });
});

test('msgpackr references are refused: a few bytes could stand for a cycle or a value shared at every level', () => {
  const shared = { a: 1 };
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  for (const value of [{ left: shared, right: shared }, cyclic]) {
    const bytes = new Packr({ structuredClone: true, useRecords: false }).pack(value);
    const decoded = decodeRecord(Buffer.from(bytes), 'msgpack', DEFAULT_RECORD_LIMITS);
    assert.deepEqual(decoded, { error: 'not msgpack: Structured clone extension is disabled' });
  }
  assert.match((decodeRecord(Buffer.from([0xd4, 0x05, 0x00]), 'msgpack', DEFAULT_RECORD_LIMITS) as { error: string }).error, /^not msgpack: Unknown extension/);
});

/** Depth and keys of a decoded value by plain recursion, counted as the limits define them: an oracle for the scan. */
function shape(value: unknown, depth = 1): { depth: number; keys: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, keys: 0 };
  let children: unknown[];
  let keys = 0;
  if (Array.isArray(value)) children = value;
  else if (ArrayBuffer.isView(value)) children = [];
  else if (value instanceof Set) children = [...value];
  else {
    children = Object.values(value);
    keys = children.length;
  }
  let deepest = depth;
  for (const child of children) {
    const s = shape(child, depth + 1);
    deepest = Math.max(deepest, s.depth);
    keys += s.keys;
  }
  return { depth: deepest, keys };
}

test('property: within the limits a payload decodes exactly as msgpackr decodes it; one the scan refuses breaks a limit', () => {
  const small: RecordLimits = { maxDepth: 5, maxKeys: 12 };
  const int64 = 2n ** 63n;
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 0 }),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.bigInt({ min: -int64, max: int64 - 1n }),
    fc.float64Array({ maxLength: 3 }),
  );
  const { tree } = fc.letrec<{ tree: unknown }>((self) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(self('tree'), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 3 }), self('tree'), { maxKeys: 4 }),
      fc.array(self('tree'), { maxLength: 3 }).map((members) => new Set(members)),
    ),
  }));
  fc.assert(
    fc.property(tree, fc.constantFrom(plain, withRecords, moreTypes), (value, packr) => {
      const bytes = packr.pack(value);
      const expected = plain.unpack(Buffer.from(bytes));
      const s = shape(expected);
      const within = s.depth <= small.maxDepth && s.keys <= small.maxKeys;
      const decoded = decodeRecord(Buffer.from(bytes), 'msgpack', small);
      if (within) assert.deepEqual(decoded, { value: expected });
      else assert.ok('error' in decoded && /^record limit max(Depth|Keys)/.test(decoded.error), `depth ${s.depth}, keys ${s.keys}: ${JSON.stringify(decoded)}`);
      const scanned = msgpackLimitViolation(bytes, small);
      if (typeof scanned === 'string') assert.ok(!within, `the scan refused ${scanned}, but depth ${s.depth}, keys ${s.keys}`);
      if (scanned === null) assert.ok(within, `the scan passed depth ${s.depth}, keys ${s.keys}`);
    }),
    { numRuns: 3_000 },
  );
});
