/**
 * Personal data hashed as a source reads it. The hasher: the three ways the generator writes a phone number (and a bare number) hash alike, an
 * e-mail's case and spaces do not matter, the hash is HMAC-SHA256 of kind and normalised value under the key from
 * the environment, another key gives another hash, nothing but strings and numbers survives, records that are not
 * objects pass, and a missing or short key stops the step naming the variable. The source wrapper: polled values
 * are hashed, an undecodable payload's raw text is withheld, optional members are there exactly when the wrapped
 * source has them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { personalDataHasher } from '../../../src/connectors/personal-data/personal-data-hasher.js';
import { resolvePersonalData } from '../../../src/connectors/personal-data/personal-data-options.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';
import { PersonalDataSource } from '../../../src/connectors/personal-data/hashed-source.js';
import type { SourceConnector, SourceRecord } from '../../../src/connectors/connector.js';

const KEY = 'k'.repeat(32);
const options = {
  fields: [
    { field: 'phone', kind: 'phone' },
    { field: 'email', kind: 'email' },
  ],
};
const hasher = (key = KEY) => personalDataHasher(resolvePersonalData(options, 'events', { FLYWHEEL_PII_KEY: key }));
const hmac = (text: string, key = KEY) => createHmac('sha256', key).update(text).digest('hex');

test('one phone number in any format, one e-mail in any case: one hash, the HMAC of the normalised value', () => {
  const h = hasher();
  const phones = ['+12012000042', '(201) 200-0042', '201.200.0042', '2012000042', 12012000042].map((phone) => (h({ phone }) as { phone: string }).phone);
  assert.deepEqual(new Set(phones), new Set([hmac('phone:+12012000042')]));
  const emails = [' Ann@Example.com', 'ann@example.com '].map((email) => (h({ email }) as { email: string }).email);
  assert.deepEqual(new Set(emails), new Set([hmac('email:ann@example.com')]));
  assert.notEqual((hasher('z'.repeat(32))({ phone: '+12012000042' }) as { phone: string }).phone, phones[0], 'another key, another hash');
});

test('other fields stay, values of other types are removed, non-objects pass, nothing is changed in place', () => {
  const h = hasher();
  const record = { userId: 'u1', phone: { raw: '+12012000042' }, ts: 5 };
  assert.deepEqual(h(record), { userId: 'u1', ts: 5 });
  assert.deepEqual(record.phone, { raw: '+12012000042' });
  assert.equal(h('text'), 'text');
  assert.equal(h(null), null);
  assert.deepEqual(h({ userId: 'u2' }), { userId: 'u2' });
});

test('a missing or short key is refused naming the variable, not the value', () => {
  for (const [env, what] of [
    [{}, /FLYWHEEL_PII_KEY is not set/],
    [{ FLYWHEEL_PII_KEY: 'short-secret' }, /FLYWHEEL_PII_KEY is shorter than 16 bytes/],
  ] as const) {
    assert.throws(
      () => resolvePersonalData(options, 'events', env),
      (e: unknown) =>
        e instanceof FlywheelError &&
        e.code === ErrorCodes.CONFIG_INVALID &&
        e.place.stepId === 'events' &&
        what.test(e.message) &&
        !e.message.includes('short-secret'),
    );
  }
  assert.throws(() => resolvePersonalData({ ...options, keyEnv: 'MY_KEY' }, 'events', {}), /MY_KEY is not set/);
  assert.throws(
    () => resolvePersonalData({ fields: [{ field: 'phone', kind: 'fax' }] }, 'events', { FLYWHEEL_PII_KEY: KEY }),
    /personalData\.fields\[0\]\.kind/,
  );
});

test('the source wrapper hashes polled values, withholds undecodable payloads, keeps optional members as they are', async () => {
  const records: SourceRecord[] = [
    { partition: 0, offset: 0, key: null, value: { phone: '201.200.0042', ts: 1 }, timestamp: null },
    { partition: 0, offset: 1, key: null, value: undefined, timestamp: null, error: 'not JSON', raw: '{"phone":"201.200.0042","ts' },
  ];
  // A stand-in source over a fixed list: the wrapper's logic is what is under test.
  const inner: SourceConnector = {
    id: 's',
    origin: 'list',
    open: async () => {},
    partitions: () => [0],
    poll: async () => records.map((r) => ({ ...r })),
    finished: () => true,
    close: async () => {},
    pause: () => {},
  };
  const source = new PersonalDataSource(inner, hasher());
  const [good, bad] = await source.poll(10);
  assert.deepEqual(good!.value, { phone: hmac('phone:+12012000042'), ts: 1 });
  assert.equal(bad!.raw, '[27 bytes withheld: the source declares personal fields]');
  assert.equal(bad!.error, 'not JSON');
  assert.equal(typeof source.pause, 'function');
  for (const member of ['resume', 'commit', 'health', 'lag', 'claim', 'openPartition', 'followsClock', 'waitsForRecords'] as const)
    assert.equal(source[member], undefined, member);
});
