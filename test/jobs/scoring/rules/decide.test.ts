/**
 * Decisions on the example marketing rules (fixtures/marketing-rules.yaml) and small inline rule sets: rules fire in
 * file order, the first reject ends the decision, adjustments compound in order, the threshold gates the action,
 * and every decision records the rules that fired with their effects. Expected values are worked by hand from the
 * rules' text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide } from '../../../../src/jobs/scoring/rules/decide.js';
import { loadRulesFile, parseRules } from '../../../../src/jobs/scoring/rules/rules-loader.js';
import { ErrorCodes, FlywheelError } from '../../../../src/core/errors.js';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../test/jobs/scoring/rules/fixtures');
const rules = loadRulesFile(join(fixtures, 'marketing-rules.yaml'));
const DAY = 86_400_000;
const now = 100 * DAY;
const quietUser = { lastContactedAt: null, contactsToday: 0, gmv90d: 100, channels: ['email'], daysSincePurchase: 10 };
const context = (user: Partial<typeof quietUser> | Record<string, unknown>) => ({ user: { ...quietUser, ...user }, now });

test('no rule fires: the model proposal stands', () => {
  assert.deepEqual(decide(rules, context({}), 0.8), {
    action: 'send_coupon',
    offer: { coupon: 5, channel: 'email' },
    score: 0.8,
    adjustedScore: 0.8,
    rejected: false,
    firedRules: [],
  });
});

test('the first reject that holds ends the decision; later rules are not evaluated', () => {
  // Contacted 3 days ago and over the daily cap: only the first reject fires; the high-value adjustment is skipped.
  const d = decide(rules, context({ lastContactedAt: now - 3 * DAY, contactsToday: 5, gmv90d: 900 }), 0.95);
  assert.equal(d.rejected, true);
  assert.equal(d.action, null);
  assert.equal(d.reason, 'contacted in the last 7 days');
  assert.deepEqual(d.firedRules, [{ id: 'contacted_in_last_7d', kind: 'reject', reason: 'contacted in the last 7 days' }]);
  assert.deepEqual(d.offer, { coupon: 5, channel: 'email' });

  // Contacted 8 days ago: the weekly rule holds back, the daily cap fires.
  const capped = decide(rules, context({ lastContactedAt: now - 8 * DAY, contactsToday: 2 }), 0.95);
  assert.deepEqual(
    capped.firedRules.map((r) => r.id),
    ['daily_contact_cap'],
  );

  const guarded = parseRules(
    `inputs: [user]
decision: { action: a }
rules:
  - id: stop
    when: user.blocked
    reject: blocked
  - id: explodes
    when: 1 / user.zero > 0
    adjust: { score: 1 }
`,
    'inline.yaml',
  );
  assert.equal(decide(guarded, { user: { blocked: true, zero: 0 } }, 0.5).rejected, true, 'the division by zero after the reject never ran');
  assert.throws(
    () => decide(guarded, { user: { blocked: false, zero: 0 } }, 0.5),
    (e: unknown) =>
      e instanceof FlywheelError &&
      e.code === ErrorCodes.EXPRESSION &&
      e.place.path === 'rules[1].when' &&
      e.place.line === 8 &&
      /rule 'explodes'.*division by zero/.test(e.message),
  );
});

test('adjustments apply in order and are all recorded with their effects', () => {
  // High value (coupon 5 -> 7.5), app user (email -> push), lapsing (0.65 -> min(0.75, 1) = 0.75 >= 0.7: act).
  const d = decide(rules, context({ gmv90d: 900, channels: ['email', 'app'], daysSincePurchase: 45 }), 0.65);
  assert.equal(d.action, 'send_coupon');
  assert.deepEqual(d.offer, { coupon: 7.5, channel: 'push' });
  assert.equal(d.score, 0.65);
  assert.ok(Math.abs(d.adjustedScore - 0.75) < 1e-12);
  assert.deepEqual(
    d.firedRules.map((r) => r.id),
    ['high_value_coupon', 'app_users_by_push', 'lapsing_boost'],
  );
  assert.deepEqual(d.firedRules[0], { id: 'high_value_coupon', kind: 'adjust', offer: { coupon: { from: 5, to: 7.5 } } });
  assert.deepEqual(d.firedRules[1], { id: 'app_users_by_push', kind: 'adjust', offer: { channel: { from: 'email', to: 'push' } } });
  assert.equal(d.firedRules[2]!.score!.from, 0.65);

  // Lapsing lifts 0.55 to 0.65, still under the 0.7 threshold: no action, but not a rejection.
  const low = decide(rules, context({ daysSincePurchase: 45 }), 0.55);
  assert.equal(low.action, null);
  assert.equal(low.rejected, false);
  assert.deepEqual(
    low.firedRules.map((r) => r.id),
    ['lapsing_boost'],
  );
});

test('order matters: each adjustment sees the ones before it, and a rule sees the state before itself', () => {
  const make = (first: string, second: string) =>
    parseRules(
      `inputs: []\ndecision: { action: a, offer: { coupon: 0 } }\nrules:\n  - id: one\n    adjust: { score: "${first}" }\n  - id: two\n    adjust: { score: "${second}" }\n`,
      'order.yaml',
    );
  // (0.3 * 2) + 0.1 = 0.7 against (0.3 + 0.1) * 2 = 0.8.
  assert.ok(Math.abs(decide(make('score * 2', 'score + 0.1'), {}, 0.3).adjustedScore - 0.7) < 1e-12);
  assert.ok(Math.abs(decide(make('score + 0.1', 'score * 2'), {}, 0.3).adjustedScore - 0.8) < 1e-12);
  const together = parseRules(
    'inputs: []\ndecision: { action: a, offer: { coupon: 0 } }\nrules:\n  - id: both\n    adjust:\n      score: score * 2\n      offer: { coupon: score * 10 }\n',
    'together.yaml',
  );
  const d = decide(together, {}, 0.3);
  assert.ok(Math.abs((d.offer.coupon as number) - 3) < 1e-12, 'the coupon used the score before this rule doubled it');
  assert.equal(d.adjustedScore, 0.6);
  assert.equal(decide(together, {}, 0.3).firedRules.length, 1);
});

test('decisions are plain data and leave the rules and the context untouched', () => {
  const ctx = context({ gmv90d: 900 });
  const snapshot = JSON.stringify(ctx);
  const d = decide(rules, ctx, 0.9);
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  assert.equal(JSON.stringify(ctx), snapshot);
  assert.deepEqual(rules.decision.offer, { coupon: 5, channel: 'email' });
  assert.deepEqual(decide(rules, context({}), 0.9).offer, { coupon: 5, channel: 'email' }, 'an earlier adjustment did not leak');
});

test('bad contexts, scores and results are errors naming the rule, path and line', () => {
  const expressionError = (pattern: RegExp) => (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.EXPRESSION && pattern.test(e.message);
  assert.throws(() => decide(rules, { user: quietUser }, 0.5), expressionError(/no input 'now'/));
  assert.throws(() => decide(rules, { user: quietUser, now: () => 1 }, 0.5), expressionError(/input 'now' holds a function/));
  assert.throws(
    () => decide(rules, context({ contactsToday: 'many' }), 0.5),
    expressionError(/rule 'daily_contact_cap': '>=' compares two numbers or two strings/),
  );
  assert.throws(
    () => decide(rules, context({}), Number.NaN),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.BAD_RECORD,
  );
  const numeric = parseRules('inputs: [n]\ndecision: { action: a }\nrules:\n  - id: r\n    when: n + 1\n    reject: no\n', 'numeric.yaml');
  assert.throws(
    () => decide(numeric, { n: 1 }, 0.5),
    (e: unknown) =>
      e instanceof FlywheelError &&
      e.place.file === 'numeric.yaml' &&
      e.place.path === 'rules[0].when' &&
      e.place.line === 5 &&
      /must give true or false, got number 2/.test(e.message),
  );
  let getterRan = false;
  const withGetter = { user: quietUser };
  Object.defineProperty(withGetter, 'now', {
    get: () => {
      getterRan = true;
      return now;
    },
    enumerable: true,
  });
  assert.throws(() => decide(rules, withGetter, 0.5), expressionError(/input 'now' is an accessor/));
  assert.equal(getterRan, false);
  const inherited = Object.create({ user: quietUser, now });
  assert.throws(() => decide(rules, inherited, 0.5), expressionError(/no input 'user'/), 'inherited context properties are not inputs');
});
