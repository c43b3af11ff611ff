/**
 * Loading rules files: a valid file with its defaults, and every kind of malformed file failing at load with
 * FW_ERR_RULES_INVALID, the file, the YAML path, the line and what is expected. Expected lines are found by
 * searching the test's own YAML text for the offending line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRulesFile, parseRules } from '../../../../src/jobs/scoring/rules/rules-loader.js';
import { ErrorCodes, FlywheelError } from '../../../../src/core/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../test/jobs/scoring/rules/fixtures');
const FILE = 'rules/test.yaml';

const valid = `inputs: [user]
decision:
  action: send_coupon
  offer: { coupon: 5 }
rules:
  - id: cap
    when: user.contactsToday >= 2
    reject: daily cap
  - id: vip
    when: user.vip
    adjust:
      offer: { coupon: offer.coupon * 2 }
`;

function lineOf(text: string, snippet: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(snippet));
  assert.ok(index >= 0, `the test text contains ${snippet}`);
  return index + 1;
}

/** Replaces one line-fragment of the valid file and expects loading to fail at `path` on the line of `marker`. */
function expectInvalid(text: string, path: string, marker: string, message: RegExp): void {
  assert.throws(
    () => parseRules(text, FILE),
    (e: unknown) => {
      assert.ok(e instanceof FlywheelError, String(e));
      assert.equal(e.code, ErrorCodes.RULES_INVALID);
      assert.equal(e.place.file, FILE);
      assert.equal(e.place.path, path, e.message);
      assert.equal(e.place.line, lineOf(text, marker), e.message);
      assert.match(e.message, message);
      assert.ok(e.hint && e.hint.length > 10, 'says what is expected');
      return true;
    },
  );
}

test('a valid file loads with defaults filled in', () => {
  const rules = parseRules(valid, FILE);
  assert.deepEqual(rules.inputs, ['user']);
  assert.deepEqual(rules.constants, {});
  assert.deepEqual(rules.decision, { action: 'send_coupon', threshold: 0, offer: { coupon: 5 } });
  assert.deepEqual(
    rules.rules.map((r) => [r.id, r.kind, r.when.path, r.when.line]),
    [
      ['cap', 'reject', 'rules[0].when', lineOf(valid, 'contactsToday')],
      ['vip', 'adjust', 'rules[1].when', lineOf(valid, 'user.vip')],
    ],
  );
  const noCondition = parseRules(valid.replace('    when: user.vip\n', ''), FILE);
  assert.equal(noCondition.rules[1]!.when.expression.source, 'true', "'when' defaults to true");
});

test('a rules file loads from disk', () => {
  const rules = loadRulesFile(join(fixtures, 'marketing-rules.yaml'));
  assert.deepEqual(
    rules.rules.map((r) => r.kind),
    ['reject', 'reject', 'adjust', 'adjust', 'adjust'],
  );
  assert.throws(
    () => loadRulesFile(join(fixtures, 'missing.yaml')),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.RULES_INVALID && /cannot read/.test(e.message),
  );
});

test('bad YAML gives the line', () => {
  const text = valid.replace('    reject: daily cap', '    reject: "daily cap');
  assert.throws(
    () => parseRules(text, FILE),
    (e: unknown) =>
      e instanceof FlywheelError &&
      e.code === ErrorCodes.RULES_INVALID &&
      e.place.file === FILE &&
      typeof e.place.line === 'number' &&
      /YAML syntax/.test(e.message),
  );
  const tabs = valid.replace('  action: send_coupon', '\taction: send_coupon');
  assert.throws(
    () => parseRules(tabs, FILE),
    (e: unknown) => e instanceof FlywheelError && e.place.line === lineOf(tabs, '\taction'),
  );
});

test('schema problems name the path and line', () => {
  expectInvalid(valid.replace('    when: user.vip', '    whenn: user.vip'), 'rules[1].whenn', 'whenn', /unknown key 'whenn'/);
  expectInvalid(valid.replace('decision:', 'rule: 1\ndecision:'), 'rule', 'rule: 1', /unknown key 'rule'/);
  expectInvalid(valid.replace('  action: send_coupon', '  action: send_coupon\n  threshold: high'), 'decision.threshold', 'threshold: high', /must be number/);
  expectInvalid(valid.replace('  - id: vip', '  - id: "v i p"'), 'rules[1].id', 'v i p', /must match pattern/);
  expectInvalid(valid.replace('inputs: [user]\n', ''), '(top level)', 'decision:', /missing required key 'inputs'/);
  expectInvalid(
    valid.replace('    reject: daily cap', '    reject: daily cap\n    adjust: { score: score }'),
    'rules[0]',
    '- id: cap',
    /exactly one of 'reject' or 'adjust'/,
  );
  expectInvalid(valid.replace('  - id: vip', '  - id: cap # again'), 'rules[1].id', 'again', /rule id 'cap' is already used by rules\[0\]/);
});

test('expression problems name the path of the expression and its line', () => {
  expectInvalid(valid.replace('user.contactsToday >= 2', 'user.contactsToday >= '), 'rules[0].when', 'contactsToday', /rules\[0\]\.when: syntax error/);
  expectInvalid(valid.replace('offer.coupon * 2', 'sqrt(offer.coupon)'), 'rules[1].adjust.offer.coupon', 'sqrt', /'sqrt' is not a function that can be called/);
  expectInvalid(valid.replace('user.vip', 'customer.vip'), 'rules[1].when', 'customer.vip', /unknown name 'customer'/);
  expectInvalid(
    valid.replace('{ coupon: offer.coupon * 2 }', '{ discount: 3 }'),
    'rules[1].adjust.offer.discount',
    'discount',
    /offer field 'discount' is not in decision.offer/,
  );
  expectInvalid(valid.replace('inputs: [user]', 'inputs: [user, score]'), 'inputs[1]', 'inputs', /'score' is a reserved name/);
  expectInvalid(valid.replace('decision:', 'constants: { user: 1 }\ndecision:'), 'constants.user', 'constants', /'user' is declared twice/);
});

test('a reject rule after an adjust rule is refused', () => {
  const text = `${valid}  - id: late\n    when: user.banned\n    reject: banned\n`;
  expectInvalid(text, 'rules[2]', '- id: late', /reject rule 'late' comes after adjust rule 'vip'/);
});

test('attempts to reach code fail at load with the path and line', () => {
  const attempts: Array<[string, RegExp]> = [
    ['user.constructor', /'constructor' is not allowed/],
    ["user['__proto__'].polluted", /'__proto__' is not allowed/],
    ['constructor', /'constructor' is not allowed/],
    ['this.user', /'this' is not available/],
    ['user.isVip()', /only named functions can be called/],
    ['user = 1', /syntax error/],
    ['`${user}`', /syntax error/],
    ['new Function()', /one expression only/],
  ];
  for (const [source, message] of attempts) {
    const text = valid.replace('when: user.vip', `when: ${JSON.stringify(source)}`);
    expectInvalid(text, 'rules[1].when', 'when: "', message);
  }
});
