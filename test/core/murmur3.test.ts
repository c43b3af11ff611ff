/**
 * MurmurHash3 x86_32 against published values: SMHasher's verification value for the function (0xB0F57EE3, the
 * VerificationTest of smhasher/src/KeysetTest.cpp as listed in its main.cpp), and the widely cited test vectors of
 * MurmurHash3_x86_32 (the Stack Overflow thread "MurmurHash3 test vectors"; Wikipedia's MurmurHash article for the
 * pangram).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur3, murmur3Bytes } from '../../src/core/murmur3.js';

test('SMHasher verification value: keys {}, {0}, {0,1}, ... hashed with seed 256 - length, then the hashes hashed', () => {
  const key = new Uint8Array(256);
  const hashes = new Uint8Array(256 * 4);
  const view = new DataView(hashes.buffer);
  for (let i = 0; i < 256; i++) {
    key[i] = i;
    view.setUint32(i * 4, murmur3Bytes(key.subarray(0, i), 256 - i), true);
  }
  assert.equal(murmur3Bytes(hashes, 0), 0xb0f57ee3);
});

test('byte test vectors (every tail length, seeds 0, 1, 0xffffffff, 0x5082EDEE)', () => {
  const vectors: Array<[number[], number, number]> = [
    [[], 0, 0x00000000],
    [[], 1, 0x514e28b7],
    [[], 0xffffffff, 0x81f16f39],
    [[0xff, 0xff, 0xff, 0xff], 0, 0x76293b50],
    [[0x21, 0x43, 0x65, 0x87], 0, 0xf55b516b],
    [[0x21, 0x43, 0x65, 0x87], 0x5082edee, 0x2362f9de],
    [[0x21, 0x43, 0x65], 0, 0x7e4a8634],
    [[0x21, 0x43], 0, 0xa0f7b07a],
    [[0x21], 0, 0x72661cf4],
    [[0, 0, 0, 0], 0, 0x2362f9de],
    [[0, 0, 0], 0, 0x85f0b427],
    [[0, 0], 0, 0x30f4c306],
    [[0], 0, 0x514e28b7],
  ];
  for (const [bytes, seed, expected] of vectors) assert.equal(murmur3Bytes(new Uint8Array(bytes), seed), expected, `bytes [${bytes}] seed ${seed}`);
});

test('string test vectors hash the UTF-8 bytes', () => {
  assert.equal(murmur3('Hello, world!', 1234), 0xfaf6cdb3);
  assert.equal(murmur3('The quick brown fox jumps over the lazy dog', 0), 0x2e4ff723);
  assert.equal(murmur3('aaaa', 0x9747b28c), 0x5a97808a);
  assert.equal(murmur3('abc', 0x9747b28c), 0xc84a62dd);
  assert.equal(murmur3('Hello, world!', 0x9747b28c), 0x24884cba);
  assert.equal(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
  assert.equal(murmur3('ππππππππ', 0x9747b28c), 0xd58063c1);
  assert.equal(murmur3('hello', 0), 0x248bfa47);
});

test('a long string (past the scratch buffer) hashes like its bytes', () => {
  const text = 'é'.repeat(1000);
  assert.equal(murmur3(text, 42), murmur3Bytes(new TextEncoder().encode(text), 42));
});
