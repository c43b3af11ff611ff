/**
 * The endpoint's start-up access checks on their own: which hosts count as loopback, tokens merged from the
 * topology and a tokens file, a tokens file that is malformed or names a bad hash (the error names the file and the
 * entry), anonymous serving beyond loopback only when allowed, and TLS files that are missing or do not pair.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlywheelError } from '../../src/core/errors.js';
import { tokenHash } from '../../src/query/access-policy.js';
import { endpointSecurity, isLoopback } from '../../src/runtime/endpoint-security.js';
import { writeSelfSigned } from './fixtures/self-signed.js';

const configError = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof FlywheelError, String(err));
  assert.equal(err.code, 'FW_ERR_CONFIG_INVALID');
  assert.match(err.message, pattern);
  return true;
};

test('loopback hosts: 127.0.0.0/8, ::1 (also bracketed or IPv4-mapped) and localhost; nothing else', () => {
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) assert.equal(isLoopback(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'example.org', '127.0.0.1.example.org']) assert.equal(isLoopback(host), false, host);
});

test('tokens come from the topology and the tokens file, each hash once; a bad file is an error naming it and the entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-endpoint-security-'));
  const inline = { name: 'ci', sha256: tokenHash('ci-token'), role: 'admin' as const };
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify([{ name: 'dash', sha256: tokenHash('dash-token'), role: 'viewer' }]));
  const security = endpointSecurity({ host: '0.0.0.0', port: 8080, access: { tokens: [inline], tokensFile: 'tokens.json' } }, dir);
  assert.deepEqual(
    security.tokens.map((t) => `${t.name}:${t.role}`),
    ['ci:admin', 'dash:viewer'],
  );
  const again = () =>
    endpointSecurity({ host: '127.0.0.1', port: 8080, access: { tokens: [{ ...inline, name: 'ci-viewer', role: 'viewer' }], tokensFile: 'again.json' } }, dir);
  writeFileSync(join(dir, 'again.json'), JSON.stringify([inline]));
  assert.throws(again, configError(/access tokens 'ci-viewer' and 'ci' have the same sha256/));
  writeFileSync(join(dir, 'bad-hash.yaml'), '- { name: dash, sha256: dash-token, role: viewer }\n');
  assert.throws(
    () => endpointSecurity({ host: '127.0.0.1', port: 8080, access: { tokensFile: 'bad-hash.yaml' } }, dir),
    (err: unknown) => {
      configError(/0\.sha256 must match pattern/)(err);
      assert.equal((err as FlywheelError).place.file, join(dir, 'bad-hash.yaml'));
      return true;
    },
  );
  writeFileSync(join(dir, 'not-yaml.yaml'), '- { name: [\n');
  assert.throws(
    () => endpointSecurity({ host: '127.0.0.1', port: 8080, access: { tokensFile: 'not-yaml.yaml' } }, dir),
    configError(/not-yaml\.yaml is not YAML or JSON/),
  );
  assert.throws(
    () => endpointSecurity({ host: '127.0.0.1', port: 8080, access: { tokensFile: 'missing.yaml' } }, dir),
    configError(/cannot read runtime\.http\.access\.tokensFile .*missing\.yaml/),
  );
});

test('beyond loopback without tokens only with allowAnonymous; loopback needs neither', () => {
  assert.throws(
    () => endpointSecurity({ host: '10.1.2.3', port: 9000, access: {} }, '.'),
    configError(/would listen on 10\.1\.2\.3:9000 with no access tokens/),
  );
  assert.deepEqual(endpointSecurity({ host: '10.1.2.3', port: 9000, access: { allowAnonymous: true } }, '.').tokens, []);
  assert.deepEqual(endpointSecurity({ host: '127.0.0.1', port: 9000 }, '.').tokens, []);
});

test('TLS files that are missing or do not pair are refused at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-endpoint-tls-'));
  for (const name of ['a', 'b']) {
    writeSelfSigned(join(dir, `${name}.crt`), join(dir, `${name}.key`), name);
  }
  const paired = endpointSecurity({ host: '127.0.0.1', port: 0, tls: { cert: 'a.crt', key: 'a.key' } }, dir);
  assert.match(paired.tls!.cert, /BEGIN CERTIFICATE/);
  assert.throws(
    () => endpointSecurity({ host: '127.0.0.1', port: 0, tls: { cert: 'a.crt', key: 'b.key' } }, dir),
    configError(/the TLS certificate .*a\.crt and key .*b\.key cannot be used/),
  );
  assert.throws(
    () => endpointSecurity({ host: '127.0.0.1', port: 0, tls: { cert: 'none.crt', key: 'a.key' } }, dir),
    configError(/cannot read runtime\.http\.tls\.cert/),
  );
});
