/**
 * Personal data on a whole run, through the CLI as a user runs it, with the generator read in the worker threads:
 * generated phone numbers (in three formats, on good events and on malformed copies that end in the dead letters,
 * some at the source itself for want of an event time) are hashed as the source reads them; afterwards no raw phone number, in any of its formats, its digits or E.164, appears in any file of the
 * state directory, the outputs, the dead letters or the run's logs, while the hashes do (so the search can find
 * what is there), and the identity step links each person's one hashed phone. Without the key the run stops at
 * start-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecommerceEvents } from '../../../src/connectors/generator/generator-source.js';
import type { EcommerceEvent } from '../../../src/connectors/generator/ecommerce-events.js';
import { runCli } from '../../harness/cli-run.js';
import { deadLetterSink, fileSink, generatorAndParse, header, identitySteps } from '../../jobs/topology-steps.js';

const KEY = 'a-test-key-of-32-bytes-for-hmac!';
const generator = {
  seed: 5,
  users: 500,
  items: 100,
  categories: 5,
  partitions: 2,
  count: 20_000,
  eventsPerSecondOfEventTime: 20,
  badFraction: 0.03,
  identity: {
    accountShare: 0.8,
    maxDevices: 3,
    loginShare: 0.6,
    phoneShare: 0.9,
    householdSize: 3,
    sharedDeviceShare: 0.2,
    sharedSessionShare: 0.1,
    cookieLifetime: 604_800_000,
  },
};

const topology =
  header('pii-test', ', stateDir: ./state, intake: workers') +
  generatorAndParse(generator, '{ field: ts }', '    personalData: { fields: [{ field: phone, kind: phone }] }\n') +
  identitySteps('      maxPerType: { account: 1, phone: 1 }\n') +
  fileSink('unified', null) +
  fileSink('merges', 'identity.merges') +
  deadLetterSink;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('no raw phone number reaches state, outputs, dead letters or logs; their hashes do', { timeout: 300_000 }, async () => {
  const raw = new Set<string>();
  for (const r of ecommerceEvents(generator)) {
    const phone = (r as EcommerceEvent).phone;
    if (typeof phone === 'string') raw.add(phone);
  }
  // Every format as written, its digits, and its E.164 form.
  const needles = new Set<string>();
  for (const p of raw) {
    const digits = p.replace(/\D/g, '');
    const national = digits.length === 11 ? digits.slice(1) : digits;
    for (const n of [p, national, `+1${national}`]) needles.add(n);
  }
  assert.ok(raw.size >= 100, `phones in the input: ${raw.size}`);

  const dir = mkdtempSync(join(tmpdir(), 'fw-pii-'));
  try {
    writeFileSync(join(dir, 'topology.yaml'), topology);
    const run = await runCli(['run', join(dir, 'topology.yaml')], { FLYWHEEL_PII_KEY: KEY });
    assert.equal(run.code, 0, run.stderr);
    writeFileSync(join(dir, 'run.log'), run.stdout + run.stderr);

    const files = filesUnder(dir).filter((f) => !f.endsWith('topology.yaml'));
    assert.ok(
      files.some((f) => f.endsWith('data.mdb')) && files.some((f) => f.endsWith('dlq.jsonl')) && files.some((f) => f.endsWith('run.log')),
      files.join(', '),
    );
    const contents = files.map((f) => [f, readFileSync(f)] as const);
    const found = [...needles].flatMap((n) => contents.filter(([, bytes]) => bytes.includes(n)).map(([f]) => `${n} in ${f}`));
    assert.deepEqual(found, [], 'raw phone numbers left');

    const dead = readFileSync(join(dir, 'dlq.jsonl'), 'utf8');
    const hashedInDeadLetters = [...dead.matchAll(/"phone":"([0-9a-f]{64})"/g)].length;
    assert.ok(hashedInDeadLetters > 0, 'malformed copies of events with phones are dead-lettered, hashed');
    assert.match(dead, /"step":"events"[^\n]*"phone":"[0-9a-f]{64}"/, 'including those the source itself dead-letters');
    assert.match(dead, /bytes withheld: the source declares personal fields/, 'undecodable payloads are withheld');
    // The control: the hash of one person's phone is in the outputs and in LMDB, where the search above looked.
    const someone = [...raw][0]!;
    const hash = createHmac('sha256', KEY)
      .update(`phone:+1${someone.replace(/\D/g, '').slice(-10)}`)
      .digest('hex');
    for (const name of ['unified.jsonl', join('state', 'data.mdb')]) {
      assert.ok(
        contents.some(([f, bytes]) => f.endsWith(name) && bytes.includes(hash)),
        `the hash of ${someone} is in ${name}`,
      );
    }
    // One hashed phone per person: never more phone identifiers than persons with phones.
    const phonesPerUnified = new Map<string, Set<string>>();
    for (const line of readFileSync(join(dir, 'unified.jsonl'), 'utf8').trim().split('\n')) {
      const { value } = JSON.parse(line) as { value: { phone?: string; unifiedId: string } };
      if (value.phone) phonesPerUnified.set(value.phone, (phonesPerUnified.get(value.phone) ?? new Set()).add(value.unifiedId));
    }
    const persons = new Set([...raw].map((p) => p.replace(/\D/g, '').slice(-10)));
    assert.equal(phonesPerUnified.size, persons.size, 'one hash per person, whatever the format');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without the key the run stops at start-up naming the step and the variable, before creating its state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-pii-nokey-'));
  try {
    writeFileSync(join(dir, 'topology.yaml'), topology);
    const run = await runCli(['run', join(dir, 'topology.yaml'), '--port', '0'], { FLYWHEEL_PII_KEY: undefined });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /FW_ERR_CONFIG_INVALID the HMAC key for personal data in the environment variable FLYWHEEL_PII_KEY is not set \[step events\]/);
    assert.deepEqual(readdirSync(dir), ['topology.yaml'], 'no state directory, no outputs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
