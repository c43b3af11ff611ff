/**
 * The flywheel command as a user runs it (a real process): flags checked by the topology schema's rules before
 * anything starts, `describe` and errors without secret values, `validate` without running user modules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function flywheel(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  // A command that wrongly starts a job is stopped after 30 s and fails the status check.
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fw-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const SIMPLE = 'name: t\nsteps:\n  - id: e\n    op: source\n    connector: { type: memory, name: events }\n';

test('--workers -1, 0, abc and 99999 are refused with the rule they break, before any state is created', () => {
  const dir = dirWith({ 'topology.yaml': SIMPLE });
  const expected: Record<string, RegExp> = { '-1': /must be >= 1/, '0': /must be >= 1/, abc: /must be integer/, '99999': /must be <= 256/ };
  for (const [value, rule] of Object.entries(expected)) {
    const r = flywheel(['run', join(dir, 'topology.yaml'), '--workers', value, '--state', join(dir, 'state')]);
    assert.equal(r.status, 1, `--workers ${value}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`FW_ERR_CONFIG_INVALID --workers "${value}": ${rule.source}`));
  }
  const port = flywheel(['run', join(dir, 'topology.yaml'), '--port', '70000', '--state', join(dir, 'state')]);
  assert.match(port.stderr, /--port "70000": must be <= 65535/);
  const unknown = flywheel(['run', join(dir, 'topology.yaml'), '--wrokers', '2']);
  assert.match(unknown.stderr, /FW_ERR_CONFIG_INVALID Unknown option '--wrokers'/);
  assert.equal(existsSync(join(dir, 'state')), false);
});

test('flywheel broker checks --brokers and --topic with the same flag schema before starting a broker', () => {
  const expected: Array<[string[], RegExp]> = [
    [['--brokers', '0'], /FW_ERR_CONFIG_INVALID --brokers "0": must be >= 1/],
    [['--brokers', 'two'], /FW_ERR_CONFIG_INVALID --brokers "two": must be integer/],
    [['--topic', 'events', '--topic', ''], /FW_ERR_CONFIG_INVALID --topic "": must NOT have fewer than 1 characters/],
    [['--partitions', '4'], /FW_ERR_CONFIG_INVALID Unknown option '--partitions'/],
  ];
  for (const [args, rule] of expected) {
    const r = flywheel(['broker', ...args]);
    assert.equal(r.status, 1, `broker ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, rule);
    assert.doesNotMatch(r.stdout, /FLYWHEEL_BROKER/, 'no broker was started');
  }
});

const KAFKA = `name: k
steps:
  - id: e
    op: source
    connector: { type: memory, name: events }
  - id: out
    op: sink
    connector:
      type: kafka
      topic: out
      brokers: 127.0.0.1:9
      rdkafka: { security.protocol: sasl_ssl, sasl.mechanisms: PLAIN, sasl.username: svc-user-7, sasl.password: pw-4c1d9e2f, ssl.key.password: kp-77aa11bb }
`;

test('describe lists connector options with SASL and SSL settings hidden', () => {
  const dir = dirWith({ 'topology.yaml': KAFKA });
  const r = flywheel(['describe', join(dir, 'topology.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sink {5}out: kafka \{"topic":"out","brokers":"127\.0\.0\.1:9".*"sasl\.password":"\*\*\*"/);
  for (const secret of ['svc-user-7', 'pw-4c1d9e2f', 'kp-77aa11bb']) assert.ok(!r.stdout.includes(secret), r.stdout);
  const fromEnv = dirWith({ 'topology.yaml': `secrets: { environment: true }\n${KAFKA.replace('brokers: 127.0.0.1:9', 'brokers: "${FW_TEST_BROKERS}"')}` });
  const withEnv = flywheel(['describe', join(fromEnv, 'topology.yaml')], { FW_TEST_BROKERS: 'broker-7f3e.internal:9093' });
  assert.equal(withEnv.status, 0, withEnv.stderr);
  assert.match(withEnv.stdout, /"brokers":"\*\*\*"/);
  assert.ok(!withEnv.stdout.includes('broker-7f3e'), withEnv.stdout);
});

test('an error shows no secret value, even one a user factory put in its message', () => {
  const dir = dirWith({
    'topology.yaml': `${SIMPLE}  - id: k\n    op: keyBy\n    field: u\n  - id: p\n    op: process\n    processor: ./p.js#make\n    with: { apiToken: tok-5e6f7a8b }\n`,
    'p.js': 'export const make = (o) => { throw new Error(`token ${o.apiToken} was refused`); };\n',
  });
  const r = flywheel(['run', join(dir, 'topology.yaml'), '--state', join(dir, 'state')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /token \*\*\* was refused/);
  assert.ok(!r.stderr.includes('tok-5e6f7a8b'), r.stderr);
});

test('validate confirms exports without running the module, and says where it could not', () => {
  const dir = dirWith({
    'topology.yaml': `${SIMPLE}  - id: m\n    op: map\n    fn: ./m.js#run\n  - id: c\n    op: map\n    fn: ./c.cjs#run\n`,
    'm.js': "import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./ran', import.meta.url), 'yes');\nexport const run = (x) => x;\n",
    'c.cjs': 'module.exports.run = (x) => x;\n',
  });
  const r = flywheel(['validate', join(dir, 'topology.yaml')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok: .*job t, 3 steps/m);
  assert.match(r.stdout, /note: steps\[2\]\.fn: export of '\.\/c\.cjs#run' not confirmed: .*not an ES module/);
  assert.equal(existsSync(join(dir, 'ran')), false, "m.js's top-level code did not run");
});
