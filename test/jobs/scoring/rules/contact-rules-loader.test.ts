/**
 * Loading a rules file's contact section: defaults and durations, and every kind of invalid contact rule failing at
 * load with FW_ERR_RULES_INVALID naming the file, the YAML path, the line and what to write instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../../../src/jobs/scoring/rules/rules-loader.js';
import { ErrorCodes, FlywheelError } from '../../../../src/core/errors.js';

const FILE = 'rules/contact.yaml';

const valid = `inputs: [user]
decision: { action: send_coupon }
rules:
  - id: vip
    when: user.vip
    adjust: { score: score * 2 }
contact:
  rules:
    - id: gap
      minGap: 3d
    - id: cap
      maxPerWindow: { count: 2, window: 7d }
    - id: nights
      channels: [sms, push]
      quietHours: { from: "21:30", to: "08:00" }
`;

function expectInvalid(text: string, path: string, marker: string, message: RegExp): void {
  const line = text.split('\n').findIndex((l) => l.includes(marker)) + 1;
  assert.ok(line > 0, `the test text contains ${marker}`);
  assert.throws(
    () => parseRules(text, FILE),
    (e: unknown) => {
      assert.ok(e instanceof FlywheelError, String(e));
      assert.equal(e.code, ErrorCodes.RULES_INVALID);
      assert.deepEqual([e.place.file, e.place.path, e.place.line], [FILE, path, line], e.message);
      assert.match(e.message, message);
      assert.ok(e.hint && e.hint.length > 10, 'says what to write');
      return true;
    },
  );
}

test('a contact section loads with its defaults, durations in ms, clock times in minutes and the horizon', () => {
  const contact = parseRules(valid, FILE).contact!;
  assert.deepEqual(contact, {
    timeZoneField: 'timeZone',
    defaultTimeZone: 'UTC',
    horizon: 7 * 86_400_000,
    rules: [
      { id: 'gap', channels: null, kind: 'minGap', gap: 3 * 86_400_000 },
      { id: 'cap', channels: null, kind: 'maxPerWindow', count: 2, window: 7 * 86_400_000 },
      { id: 'nights', channels: ['sms', 'push'], kind: 'quietHours', from: 21 * 60 + 30, to: 8 * 60 },
    ],
  });
  assert.equal(parseRules(valid.slice(0, valid.indexOf('contact:')), FILE).contact, null, 'a file without contact rules');
});

test('invalid contact rules name the file, YAML path and line', () => {
  expectInvalid(valid.replace('      minGap: 3d', '      minGap: 3 days'), 'contact.rules[0].minGap', 'minGap', /must be a duration/);
  expectInvalid(valid.replace('      minGap: 3d', '      minGap: 0s'), 'contact.rules[0].minGap', 'minGap', /minGap must be above 0/);
  expectInvalid(
    valid.replace('      minGap: 3d', '      minGap: 3d\n      quietHours: { from: "22:00", to: "06:00" }'),
    'contact.rules[0]',
    '- id: gap',
    /exactly one of minGap, maxPerWindow, quietHours, has minGap, quietHours/,
  );
  expectInvalid(valid.replace('    - id: gap\n      minGap: 3d\n', '    - id: gap\n'), 'contact.rules[0]', '- id: gap', /has none/);
  expectInvalid(valid.replace('count: 2', 'count: 0'), 'contact.rules[1].maxPerWindow.count', 'count: 0', /must be >= 1/);
  expectInvalid(valid.replace('window: 7d', 'window: 0'), 'contact.rules[1].maxPerWindow.window', 'window: 0', /window must be above 0/);
  expectInvalid(valid.replace('"21:30"', '"25:00"'), 'contact.rules[2].quietHours.from', '25:00', /must match pattern/);
  expectInvalid(valid.replace('"08:00"', '"21:30"'), 'contact.rules[2].quietHours', 'quietHours', /are empty/);
  expectInvalid(valid.replace('    - id: cap', '    - id: vip'), 'contact.rules[1].id', '    - id: vip', /rule id 'vip' is used twice/);
  expectInvalid(valid.replace('channels: [sms, push]', 'channels: []'), 'contact.rules[2].channels', 'channels', /must NOT have fewer than 1 items/);
  expectInvalid(
    valid.replace('contact:\n', 'contact:\n  defaultTimeZone: Mars/Olympus\n'),
    'contact.defaultTimeZone',
    'Mars',
    /'Mars\/Olympus' is not a time zone/,
  );
  expectInvalid(valid.replace('      minGap: 3d', '      minGap: 3d\n      cooldown: 1d'), 'contact.rules[0].cooldown', 'cooldown', /unknown key 'cooldown'/);
});
