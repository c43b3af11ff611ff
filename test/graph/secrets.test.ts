/** Which keys are secret, and how values are hidden in structured views and in text (pure logic). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, Redactor, redactorOf } from '../../src/graph/secrets.js';

test('credential words, a last word key, and SASL/SSL settings are secret; ordinary keys are not', () => {
  for (const key of [
    'password',
    'sasl.password',
    'sasl.username',
    'sasl.mechanisms',
    'ssl.ca.location',
    'ssl.key.password',
    'apiKey',
    'api_key',
    'apikey',
    'privateKey',
    'accessToken',
    'client-secret',
    'credentials',
    'key',
  ]) {
    assert.equal(isSecretKey(key), true, key);
  }
  for (const key of ['keyGroups', 'brokers', 'topic', 'field', 'bootstrap.servers', 'security.protocol', 'maxKeys', 'keyBy'])
    assert.equal(isSecretKey(key), false, key);
  assert.equal(isSecretKey('dsn', ['dsn']), true, 'secrets.keys adds keys');
});

test('structured values hide secret keys; text hides secret values of 4 characters or more wherever they appear', () => {
  const data = { steps: [{ connector: { brokers: 'b:9', rdkafka: { 'sasl.password': 'pw-123456', 'sasl.mechanisms': 'PLAIN', 'ssl.x': 'abc' } } }] };
  const r = redactorOf(data, { environment: false, keys: [] }, ['from-env-value']);
  assert.deepEqual(r.value(data.steps[0]!.connector), { brokers: 'b:9', rdkafka: { 'sasl.password': '***', 'sasl.mechanisms': '***', 'ssl.x': '***' } });
  assert.equal(r.text('login pw-123456 with PLAIN via abc'), 'login *** with *** via abc');
  assert.equal(r.text('from-env-value'), 'from-env-value', 'environment values are secret only when so configured');
  const withEnv = redactorOf(data, { environment: true, keys: [] }, ['from-env-value']);
  assert.equal(withEnv.text('host from-env-value'), 'host ***');
  assert.deepEqual(withEnv.value({ name: 'x-from-env-value-y' }), { name: 'x-***-y' });
});

test('a value containing another secret is hidden whole', () => {
  assert.equal(new Redactor(['abcd', 'abcdefgh']).text('[abcdefgh]'), '[***]');
});
