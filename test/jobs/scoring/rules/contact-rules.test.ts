/**
 * Contact rule evaluation as pure logic: the minimum gap and the rolling window at their exact edges (in order and
 * out of order), quiet hours in a zone across both daylight-saving changes, rules limited to channels, the first
 * broken rule reported, and the history's pruning with the refusal of an action older than the kept history.
 * Local times are the EU's published rules for Europe/Berlin: CET (UTC+1) until 01:00 UTC on the last Sunday of
 * March (29 March 2026), CEST (UTC+2) until 01:00 UTC on the last Sunday of October (25 October 2026).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_HISTORY, withSend, type ContactHistory } from '../../../../src/jobs/scoring/rules/contact-history.js';
import { checkContact, HISTORY_RULE_ID, type ContactRule, type ContactRules } from '../../../../src/jobs/scoring/rules/contact-rules.js';
import { mulberry32 } from '../../../../src/core/seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 5, 12); // a Monday noon, UTC

function rules(list: ContactRule[]): ContactRules {
  const horizon = Math.max(0, ...list.map((r) => (r.kind === 'minGap' ? r.gap : r.kind === 'maxPerWindow' ? r.window : 0)));
  return { timeZoneField: 'timeZone', defaultTimeZone: 'UTC', rules: list, horizon };
}

function history(contact: ContactRules, sends: Array<[number, string | null]>): ContactHistory {
  return sends.reduce((h, [at, channel]) => withSend(h, at, channel, contact.horizon), EMPTY_HISTORY);
}

function verdictAt(contact: ContactRules, h: ContactHistory, at: number, channel: string | null = 'sms', timeZone = 'UTC') {
  return checkContact(contact, h, { at, channel, timeZone });
}

const gap = rules([{ id: 'gap', channels: null, kind: 'minGap', gap: 3 * DAY }]);

test('minGap: a second message within the gap is suppressed, one exactly the gap later goes', () => {
  const h = history(gap, [[T0, 'sms']]);
  assert.deepEqual(verdictAt(gap, h, T0 + 3 * DAY - 1), {
    allowed: false,
    rule: 'gap',
    reason: 'a message was sent at 2026-01-05T12:00:00.000Z, less than the minimum gap of 3d before it',
  });
  assert.deepEqual(verdictAt(gap, h, T0 + 3 * DAY), { allowed: true });
  assert.deepEqual(verdictAt(gap, EMPTY_HISTORY, T0), { allowed: true }, 'a user never contacted');
});

test('minGap looks both ways: an action arriving after a later send is judged against it', () => {
  const h = history(gap, [[T0, 'sms']]);
  const early = verdictAt(gap, h, T0 - 2 * DAY);
  assert.equal(early.allowed, false);
  assert.match((early as { reason: string }).reason, /sent at 2026-01-05T12:00:00.000Z, less than the minimum gap of 3d after it/);
  assert.deepEqual(verdictAt(gap, h, T0 - 3 * DAY), { allowed: true });
});

const cap = rules([{ id: 'two-a-week', channels: null, kind: 'maxPerWindow', count: 2, window: 7 * DAY }]);

test('maxPerWindow: the rolling window is half-open, a send exactly one window back no longer counts', () => {
  const h = history(cap, [
    [T0, 'sms'],
    [T0 + DAY, 'sms'],
  ]);
  assert.deepEqual(verdictAt(cap, h, T0 + 7 * DAY - 1), {
    allowed: false,
    rule: 'two-a-week',
    reason: 'it would be message 3 within 7d, over the cap of 2',
  });
  assert.deepEqual(verdictAt(cap, h, T0 + 7 * DAY), { allowed: true }, 'the send at T0 is exactly 7d back: out of the window');
  assert.deepEqual(verdictAt(cap, history(cap, [[T0, 'sms']]), T0 + 1), { allowed: true }, 'the second within a week is within the cap');
});

test('maxPerWindow: an out-of-order action is refused when it would overfill any window that holds it', () => {
  const h = history(cap, [
    [T0, 'sms'],
    [T0 + 6 * DAY, 'sms'],
  ]);
  assert.equal(verdictAt(cap, h, T0 + 3 * DAY).allowed, false, 'T0, T0+3d and T0+6d lie within one 7d window');
  const spread = history(cap, [
    [T0, 'sms'],
    [T0 + 8 * DAY, 'sms'],
  ]);
  // [T0, T0+7d) and [T0+4d, T0+11d) each hold 2 of the 3 sends: the cap of 2 holds in every window.
  assert.deepEqual(verdictAt(cap, spread, T0 + 4 * DAY), { allowed: true });
});

test('maxPerWindow on random out-of-order attempts: refused exactly when some count + 1 consecutive sends would lie within one window', () => {
  // The independent statement of the cap: sorted, every run of count + 1 sends spans at least the window.
  const capped = (times: number[], count: number, window: number) => {
    const t = [...times].sort((a, b) => a - b);
    return t.every((x, i) => i < count || x - t[i - count]! >= window);
  };
  const rand = mulberry32(8);
  let refused = 0;
  for (let trial = 0; trial < 300; trial++) {
    const count = 1 + Math.floor(rand() * 4);
    const contact = rules([{ id: 'cap', channels: null, kind: 'maxPerWindow', count, window: 7 * DAY }]);
    let h = EMPTY_HISTORY;
    const sent: number[] = [];
    for (let n = 0; n < 12; n++) {
      // Whole hours over 3 weeks, in any order, so attempts fall on exact window edges too.
      const at = T0 + Math.floor(rand() * 21 * 24) * HOUR;
      const verdict = verdictAt(contact, h, at);
      if (!verdict.allowed && verdict.rule === HISTORY_RULE_ID) {
        assert.ok(h.prunedUpTo !== null && at - 7 * DAY < h.prunedUpTo, 'refused as too old only when its window reaches pruned sends');
        continue;
      }
      assert.equal(
        verdict.allowed,
        capped([...sent, at], count, 7 * DAY),
        `count ${count}, sends ${sent.map((s) => (s - T0) / HOUR)}, attempt ${(at - T0) / HOUR}`,
      );
      if (verdict.allowed) {
        h = withSend(h, at, 'sms', contact.horizon);
        sent.push(at);
      } else refused++;
    }
  }
  assert.ok(refused > 300, `the trials refuse often enough to test both sides (${refused} of 3600)`);
});

const nights = rules([{ id: 'nights', channels: null, kind: 'quietHours', from: 22 * 60, to: 7 * 60 }]);

test('quiet hours follow the zone across the spring daylight-saving change', () => {
  const sixThirtyUtcSat = Date.UTC(2026, 2, 28, 5, 30); // 06:30 CET
  const sixThirtyUtcSun = Date.UTC(2026, 2, 29, 5, 30); // 07:30 CEST
  assert.deepEqual(verdictAt(nights, EMPTY_HISTORY, sixThirtyUtcSat, 'sms', 'Europe/Berlin'), {
    allowed: false,
    rule: 'nights',
    reason: '06:30 in Europe/Berlin is within the quiet hours 22:00-07:00',
  });
  assert.deepEqual(verdictAt(nights, EMPTY_HISTORY, sixThirtyUtcSun, 'sms', 'Europe/Berlin'), { allowed: true });
  assert.equal(verdictAt(nights, EMPTY_HISTORY, sixThirtyUtcSun, 'sms', 'UTC').allowed, false, 'the same instant is 05:30 in UTC');
  assert.equal(verdictAt(nights, EMPTY_HISTORY, Date.UTC(2026, 2, 28, 20, 59), 'sms', 'Europe/Berlin').allowed, true, '21:59 CET');
  assert.equal(verdictAt(nights, EMPTY_HISTORY, Date.UTC(2026, 2, 29, 20, 0), 'sms', 'Europe/Berlin').allowed, false, '22:00 CEST');
});

test('quiet hours follow the zone across the autumn daylight-saving change', () => {
  assert.equal(verdictAt(nights, EMPTY_HISTORY, Date.UTC(2026, 9, 24, 5, 30), 'sms', 'Europe/Berlin').allowed, true, '07:30 CEST');
  assert.equal(verdictAt(nights, EMPTY_HISTORY, Date.UTC(2026, 9, 25, 5, 30), 'sms', 'Europe/Berlin').allowed, false, '06:30 CET');
  assert.equal(verdictAt(nights, EMPTY_HISTORY, Date.UTC(2026, 9, 25, 6, 0), 'sms', 'Europe/Berlin').allowed, true, '07:00 CET ends the quiet hours');
});

test('quiet hours within one day, and a zone with a half-hour offset', () => {
  const lunch = rules([{ id: 'lunch', channels: null, kind: 'quietHours', from: 12 * 60, to: 13 * 60 }]);
  // Asia/Kolkata is UTC+5:30 all year: 06:29 UTC is 11:59, 06:30 UTC is 12:00, 07:30 UTC is 13:00.
  assert.equal(verdictAt(lunch, EMPTY_HISTORY, Date.UTC(2026, 5, 1, 6, 29), 'sms', 'Asia/Kolkata').allowed, true);
  assert.equal(verdictAt(lunch, EMPTY_HISTORY, Date.UTC(2026, 5, 1, 6, 30), 'sms', 'Asia/Kolkata').allowed, false);
  assert.equal(verdictAt(lunch, EMPTY_HISTORY, Date.UTC(2026, 5, 1, 7, 30), 'sms', 'Asia/Kolkata').allowed, true);
});

test('a rule limited to channels judges and counts only those channels; the first broken rule in file order is reported', () => {
  const contact = rules([
    { id: 'sms-gap', channels: ['sms'], kind: 'minGap', gap: DAY },
    { id: 'any-cap', channels: null, kind: 'maxPerWindow', count: 1, window: 2 * DAY },
  ]);
  const pushed = history(contact, [[T0, 'push']]);
  assert.equal(verdictAt(contact, pushed, T0 + HOUR, 'sms').allowed, false);
  assert.equal((verdictAt(contact, pushed, T0 + HOUR, 'sms') as { rule: string }).rule, 'any-cap', 'a push does not count for the sms gap');
  const texted = history(contact, [[T0, 'sms']]);
  assert.equal((verdictAt(contact, texted, T0 + HOUR, 'sms') as { rule: string }).rule, 'sms-gap', 'both broken: the first rule is named');
  assert.equal((verdictAt(contact, texted, T0 + HOUR, 'push') as { rule: string }).rule, 'any-cap', 'the sms rule does not judge a push');
  assert.equal((verdictAt(contact, texted, T0 + HOUR, null) as { rule: string }).rule, 'any-cap', 'an action without a channel meets only unlimited rules');
});

test('the history keeps sends within twice the horizon of the newest; an action older than it can judge is refused', () => {
  let h = EMPTY_HISTORY;
  for (let day = 0; day < 20; day++) h = withSend(h, T0 + day * DAY, 'sms', gap.horizon);
  // Newest at T0+19d, horizon 3d: kept are sends after T0+13d, i.e. T0+14d..T0+19d; T0+13d is the newest pruned.
  assert.deepEqual(
    h.sends.map(([at]) => (at - T0) / DAY),
    [14, 15, 16, 17, 18, 19],
  );
  assert.equal(h.prunedUpTo, T0 + 13 * DAY);
  assert.equal((verdictAt(gap, h, T0 + 16 * DAY) as { rule: string }).rule, 'gap', 'judged against the kept sends: within 3d of T0+14d');
  const tooOld = verdictAt(gap, h, T0 + 16 * DAY - 1);
  assert.equal((tooOld as { rule: string }).rule, HISTORY_RULE_ID, 'its 3d back reach sends that were pruned');
  const unordered = withSend(withSend(EMPTY_HISTORY, T0 + DAY, 'sms', gap.horizon), T0, 'push', gap.horizon);
  assert.deepEqual(unordered.sends, [
    [T0, 'push'],
    [T0 + DAY, 'sms'],
  ]);
});
