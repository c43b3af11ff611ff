/**
 * The safe expression evaluator: what it computes, how it treats missing and mistyped values, and that nothing it
 * evaluates can reach code: no getters run, no class instances, proxies or functions are read, nothing inherited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileExpression,
  ExpressionCompileError,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_LENGTH,
  type Scope,
} from '../../../../src/jobs/scoring/rules/expression-compiler.js';
import { ExpressionTypeError } from '../../../../src/jobs/scoring/rules/expression-functions.js';

const slotNames = ['user', 'item', 'now', 'tags', 'n'];
const names = new Map(slotNames.map((name, slot) => [name, slot]));
const scope = (values: Record<string, unknown>): Scope => slotNames.map((name) => values[name]);
const base = scope({
  user: { gmv: 620, vip: true, segment: 'gold', lastContact: null, history: [3, 5, 8], nested: { deep: { x: 2 } } },
  item: { price: 19.5, category: 'shoes' },
  now: 1000,
  tags: ['new', 'sale'],
  n: 4,
});
const run = (source: string, s: Scope = base) => compileExpression(source, names).evaluate(s);

test('arithmetic, precedence, comparisons and equality', () => {
  assert.equal(run('1 + 2 * 3 - 4 / 2'), 5);
  assert.equal(run('(1 + 2) * 3 % 5'), 4);
  assert.equal(run('2 ** 3 ** 2'), 512, '** is right-associative');
  assert.equal(run('-n + +n'), 0);
  assert.equal(run('user.gmv >= 500 && item.price < 20'), true);
  assert.equal(run("user.segment == 'gold' && user.segment !== 'silver'"), true);
  assert.equal(run("'abc' < 'abd'"), true);
  assert.equal(run("n == '4'"), false, 'equality is strict');
  assert.equal(run("user.segment + '-' + item.category"), 'gold-shoes', '+ joins two strings');
});

test('logic, ternary, null handling and ??', () => {
  assert.equal(run('user.vip ? 1.5 : 1'), 1.5);
  assert.equal(run('!user.vip || n > 3'), true);
  assert.equal(run('user.lastContact == null'), true);
  assert.equal(run('user.missing'), null, 'a missing member is null');
  assert.equal(run('user.missing.deeper'), null, 'reading through null gives null');
  assert.equal(run('user.missing && true'), false, 'null counts as false in logic');
  assert.equal(run('user.lastContact ?? 7'), 7);
  assert.equal(run('user.lastContact != null && now - user.lastContact < 7'), false, '&& short-circuits past the null');
});

test('member access with dot, brackets, list indices and computed keys', () => {
  assert.equal(run("user['segment']"), 'gold');
  assert.equal(run('user.history[1] + user.history[2]'), 13);
  assert.equal(run('user.history.length'), 3);
  assert.equal(run('user.nested.deep.x * 10'), 20);
  assert.equal(run("item[user.segment == 'gold' ? 'category' : 'price']"), 'shoes');
  assert.equal(run('user.history[7]'), null);
});

test('the whitelisted functions', () => {
  assert.equal(run('min(3, n, 9)'), 3);
  assert.equal(run('max(user.history[0], 2)'), 3);
  assert.equal(run('abs(-2.5)'), 2.5);
  assert.ok(Math.abs((run('log(exp(2))') as number) - 2) < 1e-15);
  assert.equal(run('round(2.345, 2)'), 2.35);
  assert.equal(run('round(2.5)'), 3);
  assert.equal(run('clamp(user.gmv / 100, 0, 5)'), 5);
  assert.equal(run("contains(tags, 'sale')"), true);
  assert.equal(run("in('hat', tags)"), false);
  assert.equal(run("in(item.category, ['shoes', 'bags'])"), true);
  assert.equal(run("contains(user.segment, 'ol')"), true);
});

test('type errors and non-finite arithmetic are errors at evaluation, not silent NaN', () => {
  const typeError = (source: string, pattern: RegExp) =>
    assert.throws(
      () => run(source),
      (e: unknown) => e instanceof ExpressionTypeError && pattern.test(e.message),
      source,
    );
  typeError('user.segment * 2', /'\*' needs numbers, got the string "gold"/);
  typeError('user.segment + 2', /'\+' needs numbers, got the string "gold"/);
  typeError('n / 0', /division by zero/);
  typeError('user.lastContact < 5', /compares two numbers or two strings/);
  typeError('n ? 1 : 2', /needs true or false/);
  typeError('abs(user.segment)', /abs\(\) needs a number/);
  typeError('contains(n, 1)', /needs a list/);
  typeError('clamp(1, 5, 0)', /low <= high/);
  typeError('user.history[0.5]', /whole number/);
  typeError('n.x', /cannot read .x of number 4/);
});

test('only own data properties of plain objects and lists are read', () => {
  let getterRan = false;
  const withGetter = {};
  const ranGetter =
    <T>(value: T) =>
    () => {
      getterRan = true;
      return value;
    };
  Object.defineProperty(withGetter, 'secret', { get: ranGetter(1), enumerable: true });
  class Customer {
    gmv = 5;
  }
  const proxy = new Proxy({}, { get: ranGetter(1), getPrototypeOf: ranGetter(Object.prototype) });
  const bad = (user: unknown, pattern: RegExp) =>
    assert.throws(
      () => run('user.secret', scope({ user })),
      (e: unknown) => e instanceof ExpressionTypeError && pattern.test(e.message),
    );
  bad(withGetter, /accessor, not data/);
  bad({ secret: () => 1 }, /holds a function/);
  bad({ secret: new Customer() }, /not plain data/);
  bad({ secret: proxy }, /not plain data/);
  assert.equal(getterRan, false, 'no getter or proxy trap ran');
  assert.equal(run('user.toString', scope({ user: {} })), null, 'inherited members do not exist');
  assert.equal(run('user.history.map', base), null);
  assert.throws(() => run("user['__pro' + 'to__']"), /'__proto__' is not allowed/);
  assert.throws(() => run("user[user.segment == 'gold' ? 'constructor' : 'x']"), /'constructor' is not allowed/);
});

test('compile-time rejections: code-reaching forms, unknown names, limits', () => {
  const rejected: Array<[string, RegExp]> = [
    ['this.x', /'this' is not available/],
    ['constructor', /'constructor' is not allowed/],
    ['user.constructor', /'constructor' is not allowed/],
    ["user['__proto__']", /'__proto__' is not allowed/],
    ['user.__proto__.polluted', /'__proto__' is not allowed/],
    ['item.prototype', /'prototype' is not allowed/],
    ['user.name.toUpperCase()', /only named functions can be called/],
    ["user['fn']()", /only named functions can be called/],
    ['min(1)(2)', /only named functions can be called/],
    ['require("fs")', /'require' is not a function that can be called/],
    ['eval("1")', /'eval' is not a function that can be called/],
    ['n = 1', /syntax error/],
    ['n += 1', /syntax error/],
    ['`${n}`', /syntax error/],
    ['x => x', /syntax error/],
    ['({}).constructor', /syntax error/],
    ['new Object()', /one expression only/],
    ['n; n', /one expression only/],
    ['(n, n)', /comma sequences/],
    ['~n', /'~' is not allowed/],
    ['n | 1', /'\|' is not allowed/],
    ['n >>> 1', /'>>>' is not allowed/],
    ['min', /'min' is a function/],
    ['unknownName + 1', /unknown name 'unknownName'; known names: item, n, now, tags, user/],
    ['round(1, 2, 3)', /round\(\) takes 1 to 2 arguments, got 3/],
    ['[1, , 2]', /empty slot/],
    ['', /empty/],
    ['n +', /syntax error/],
  ];
  for (const [source, pattern] of rejected) {
    assert.throws(
      () => compileExpression(source, names),
      (e: unknown) => e instanceof ExpressionCompileError && pattern.test(e.message),
      source,
    );
  }
  assert.throws(() => compileExpression('1+'.repeat(MAX_EXPRESSION_LENGTH) + '1', names), /longer than/);
  assert.throws(() => compileExpression('-'.repeat(MAX_EXPRESSION_DEPTH + 2) + 'n', names), /nests deeper/);
  assert.throws(() => compileExpression(`[${Array.from({ length: 250 }, () => 'n').join(', ')}]`, names), /more than 200 parts/);
});
