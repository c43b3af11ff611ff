/**
 * Start-up as `flywheel run` does it: a port in use is a clear FW_ERR_PORT_IN_USE, and a librdkafka setting it
 * refuses a clear FW_ERR_CONFIG_INVALID, both before the state directory exists;
 * the log names the address actually bound (0.0.0.0 stays 0.0.0.0, with the port the system chose); GET /topology
 * and the log show no secret setting. Listening beyond loopback with no access tokens is refused before the state
 * directory exists, unless allowAnonymous; with tokens (from a file named through the environment) and TLS files, the
 * endpoint answers HTTPS on a real port, verified against the self-signed certificate made here by openssl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { launchJob } from '../../src/runtime/launch.js';
import { tokenHash } from '../../src/query/access-policy.js';
import { writeSelfSigned } from './fixtures/self-signed.js';
import { FlywheelError } from '../../src/core/errors.js';
import { clearMemoryChannels, setMemoryInput } from '../../src/connectors/memory/memory-channels.js';

const PROCESSOR = `// Passes records on; its options hold a credential.
export const make = (options) => ({ onRecord(value, ctx) { ctx.emit({ ...value, tokenLength: options.apiToken.length }); } });
`;

/** A topology in a fresh directory: memory source -> keyBy -> a user processor with an apiToken -> memory sink. */
function topology(runtime: string, head = '', sink = '{ type: memory, name: out }'): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-launch-'));
  writeFileSync(join(dir, 'processor.js'), PROCESSOR);
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    `name: launch\n${head}runtime:\n  stateDir: ./state\n  workers: 1\n${runtime}steps:\n` +
      '  - id: events\n    op: source\n    connector: { type: memory, name: "${FW_TEST_CHANNEL:-events}" }\n    eventTime: { field: ts }\n' +
      '  - id: by-user\n    op: keyBy\n    field: user\n' +
      '  - id: tag\n    op: process\n    processor: ./processor.js#make\n    with: { apiToken: tok-9f8e7d6c5b }\n' +
      `  - id: out\n    op: sink\n    connector: ${sink}\n`,
  );
  return file;
}

async function launch(file: string, onListening?: (url: string | null) => Promise<void>): Promise<string[]> {
  const t = await loadTopology(file);
  const lines: string[] = [];
  clearMemoryChannels();
  setMemoryInput(process.env.FW_TEST_CHANNEL ?? 'events', [[{ key: null, value: { user: 'u1', ts: 1 } }]]);
  let listening: Promise<void> = Promise.resolve();
  await launchJob({
    job: { kind: 'topology', file: t.file },
    graph: t.graph,
    ...t.runtime,
    baseDir: dirname(t.file),
    redactor: t.redactor,
    log: (line) => lines.push(line),
    onListening: ({ url }) => void (listening = onListening?.(url) ?? Promise.resolve()),
  });
  await listening;
  return lines;
}

test('a port in use is FW_ERR_PORT_IN_USE, reported before the state directory is created', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const file = topology(`  http: { port: ${port}, host: 127.0.0.1 }\n`);
    await assert.rejects(launch(file), (err: unknown) => {
      assert.ok(err instanceof FlywheelError, String(err));
      assert.equal(err.code, 'FW_ERR_PORT_IN_USE');
      assert.match(err.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`));
      return true;
    });
    assert.equal(existsSync(join(dirname(file), 'state')), false, 'no state directory was created');
  } finally {
    blocker.close();
  }
});

test('a librdkafka setting it refuses is FW_ERR_CONFIG_INVALID naming the step, before the state directory is created', async () => {
  const file = topology('', '', '{ type: kafka, topic: out, brokers: "127.0.0.1:9", rdkafka: { linger.msec: 5 } }');
  await assert.rejects(launch(file), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.equal(err.code, 'FW_ERR_CONFIG_INVALID');
    assert.equal(err.place.stepId, 'out');
    assert.match(err.message, /librdkafka refuses the settings of Kafka sink 'out': No such configuration property: "linger\.msec"/);
    return true;
  });
  assert.equal(existsSync(join(dirname(file), 'state')), false, 'no state directory was created');
});

test('the log names the address bound: host 0.0.0.0 and the port the system chose', async () => {
  const lines = await launch(topology('  http: { port: 0, host: 0.0.0.0, access: { allowAnonymous: true } }\n'));
  const line = lines.find((l) => l.includes('query endpoint listening'));
  assert.ok(line, lines.join('\n'));
  const port = Number(/listening on 0\.0\.0\.0:(\d+),/.exec(line)?.[1]);
  assert.ok(port > 0, line);
  assert.match(line, new RegExp(`http://[^ ]+:${port} `), 'the URL has the same port');
});

test('GET /topology and the log hide secret settings: a credential key, and values from the environment', async () => {
  process.env.FW_TEST_CHANNEL = 'chan-from-env-81';
  process.env.FW_TEST_HOST = '127.0.0.1';
  try {
    let topologyText = '';
    const lines = await launch(topology('  http: { port: 0, host: "${FW_TEST_HOST}" }\n', 'secrets: { environment: true }\n'), async (url) => {
      topologyText = await (await fetch(`${url}/topology`)).text();
    });
    const tag = (JSON.parse(topologyText) as { steps: Array<{ id: string; config: Record<string, unknown> }> }).steps.find((s) => s.id === 'tag')!;
    assert.deepEqual(tag.config.with, { apiToken: '***' });
    assert.ok(!topologyText.includes('tok-9f8e7d6c5b'), topologyText);
    assert.ok(!topologyText.includes('chan-from-env-81'), 'a value from the environment is hidden');
    const endpointLine = lines.find((l) => l.includes('query endpoint listening'))!;
    assert.match(endpointLine, /listening on \*\*\*:\d+/, 'the host came from the environment');
    assert.ok(!lines.join('\n').includes('127.0.0.1'), lines.join('\n'));
  } finally {
    delete process.env.FW_TEST_CHANNEL;
    delete process.env.FW_TEST_HOST;
  }
});

test('listening beyond loopback with no access tokens is FW_ERR_CONFIG_INVALID, before the state directory is created', async () => {
  const file = topology('  http: { port: 0, host: 0.0.0.0 }\n');
  await assert.rejects(launch(file), (err: unknown) => {
    assert.ok(err instanceof FlywheelError, String(err));
    assert.equal(err.code, 'FW_ERR_CONFIG_INVALID');
    assert.match(err.message, /would listen on 0\.0\.0\.0:0 with no access tokens/);
    assert.match(err.message, /allowAnonymous: true/, 'says how to serve without tokens on purpose');
    return true;
  });
  assert.equal(existsSync(join(dirname(file), 'state')), false, 'no state directory was created');
});

/** A GET over HTTPS that trusts only `ca`: the certificate must verify for the address. */
function getTls(url: string, ca: string, token?: string): Promise<{ status: number; body: string; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, challenge: res.headers['www-authenticate'] }));
    });
    req.on('error', reject);
  });
}

test('tokens from a file named through the environment, over HTTPS from certificate and key files: 200, 401, open /healthz', async () => {
  const viewerToken = 'viewer-token-51c2e09d';
  const file = topology(
    '  http: { port: 0, host: 127.0.0.1, access: { tokensFile: "${FW_TEST_TOKENS_FILE}" }, tls: { cert: tls/cert.pem, key: tls/key.pem } }\n',
  );
  const dir = dirname(file);
  mkdirSync(join(dir, 'tls'));
  writeSelfSigned(join(dir, 'tls/cert.pem'), join(dir, 'tls/key.pem'), 'flywheel-test', '127.0.0.1');
  writeFileSync(join(dir, 'tokens.yaml'), `- { name: dashboards, sha256: ${tokenHash(viewerToken)}, role: viewer }\n`);
  const ca = readFileSync(join(dir, 'tls/cert.pem'), 'utf8');
  process.env.FW_TEST_TOKENS_FILE = 'tokens.yaml';
  try {
    const answers: Record<string, Awaited<ReturnType<typeof getTls>>> = {};
    const lines = await launch(file, async (url) => {
      assert.match(url!, /^https:\/\/127\.0\.0\.1:\d+$/);
      answers.health = await getTls(`${url}/healthz`, ca);
      answers.anonymous = await getTls(`${url}/topology`, ca);
      answers.viewer = await getTls(`${url}/topology`, ca, viewerToken);
      answers.metrics = await getTls(`${url}/metrics`, ca);
    });
    assert.equal(answers.health!.status, 200);
    assert.equal(answers.anonymous!.status, 401);
    assert.match(answers.anonymous!.challenge!, /^Bearer/);
    assert.equal(answers.metrics!.status, 401, '/metrics needs a viewer token unless openMetrics');
    assert.equal(answers.viewer!.status, 200, answers.viewer!.body);
    assert.equal((JSON.parse(answers.viewer!.body) as { name: string }).name, 'launch');
    const shown = [...Object.values(answers).map((a) => a.body), ...lines].join('\n');
    assert.ok(!shown.includes(viewerToken) && !shown.includes(tokenHash(viewerToken)), 'no token or hash in answers or log');
    assert.match(lines.find((l) => l.includes('query endpoint listening'))!, /1 access token\(s\)/);
  } finally {
    delete process.env.FW_TEST_TOKENS_FILE;
  }
});
