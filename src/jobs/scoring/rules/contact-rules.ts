/**
 * Contact rules (frequency capping), as compiled from a rules file's `contact:` section, and their evaluation for one
 * action against the user's contact history: a minimum gap between two messages, at most `count` messages in any
 * rolling window of `window` ms, and quiet hours in the user's time zone. Each rule may be limited to some channels
 * (it then judges only actions on them and counts only sends on them). Pure: the caller keeps the history in keyed
 * state and records a send only when the action is let through (contact-history.ts).
 *
 * Windows are half-open, as "within the last 7 days" reads: a send exactly `minGap` (or `window`) before the
 * action no longer counts. The checks are symmetric in time, so an action that arrives after a later one (out of
 * order) is judged against sends on both sides of it.
 */
import { formatDuration } from '../../../core/durations.js';
import type { ContactHistory } from './contact-history.js';
import { minuteOfDay } from './local-time.js';

interface ContactRuleBase {
  id: string;
  description?: string;
  /** The channels the rule applies to; null: every channel. */
  channels: readonly string[] | null;
}

export type ContactRule = ContactRuleBase &
  (
    | { kind: 'minGap'; gap: number }
    | { kind: 'maxPerWindow'; count: number; window: number }
    /** Minutes since local midnight; quiet when from <= t < to, or, when `to` is before `from`, across midnight. */
    | { kind: 'quietHours'; from: number; to: number }
  );

export interface ContactRules {
  /** The action field holding the user's IANA time zone. */
  timeZoneField: string;
  /** The zone of an action without one. */
  defaultTimeZone: string;
  rules: ContactRule[];
  /** The longest span a history rule looks back (or ahead): sends older than that can no longer matter. */
  horizon: number;
}

/** What is judged: when the action would be sent, on which channel, and in which zone its user lives. */
export interface ContactAttempt {
  at: number;
  channel: string | null;
  timeZone: string;
}

export type ContactVerdict = { allowed: true } | { allowed: false; rule: string; reason: string };

/** The id reported when an action is older than the history kept for its user can judge. */
export const HISTORY_RULE_ID = 'contact-history';

function applies(rule: ContactRule, channel: string | null): boolean {
  return rule.channels === null || (channel !== null && rule.channels.includes(channel));
}

/** Send times (sorted) that a rule counts. */
function countedSends(rule: ContactRule, history: ContactHistory): number[] {
  return history.sends.filter(([, channel]) => applies(rule, channel)).map(([at]) => at);
}

/** Minutes since midnight as hh:mm. */
export function clock(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The largest number of sends (the attempt included) in one window of `window` ms that holds the attempt. */
function fullestWindow(sends: readonly number[], at: number, window: number): number {
  const all = [...sends, at].sort((a, b) => a - b);
  let fullest = 0;
  // The fullest window holding `at` starts at a send (or at `at`) in (at - window, at]; it holds [start, start + window).
  // Starts and ends both move forward through the sorted times, so one pass counts every such window.
  let end = 0;
  for (let start = 0; start < all.length; start++) {
    if (all[start]! <= at - window) continue;
    if (all[start]! > at) break;
    end = Math.max(end, start);
    while (end < all.length && all[end]! < all[start]! + window) end++;
    fullest = Math.max(fullest, end - start);
  }
  return fullest;
}

function judge(rule: ContactRule, history: ContactHistory, attempt: ContactAttempt): string | null {
  switch (rule.kind) {
    case 'minGap': {
      const near = countedSends(rule, history).find((s) => Math.abs(attempt.at - s) < rule.gap);
      if (near === undefined) return null;
      const side = near <= attempt.at ? 'before' : 'after';
      return `a message was sent at ${new Date(near).toISOString()}, less than the minimum gap of ${formatDuration(rule.gap)} ${side} it`;
    }
    case 'maxPerWindow': {
      const fullest = fullestWindow(countedSends(rule, history), attempt.at, rule.window);
      if (fullest <= rule.count) return null;
      return `it would be message ${fullest} within ${formatDuration(rule.window)}, over the cap of ${rule.count}`;
    }
    case 'quietHours': {
      const minute = minuteOfDay(attempt.at, attempt.timeZone)!;
      const quiet = rule.from < rule.to ? minute >= rule.from && minute < rule.to : minute >= rule.from || minute < rule.to;
      if (!quiet) return null;
      return `${clock(minute)} in ${attempt.timeZone} is within the quiet hours ${clock(rule.from)}-${clock(rule.to)}`;
    }
  }
}

/**
 * The first rule (in file order) that the attempt breaks, or allowed. An attempt so far behind the user's newest
 * send that sends it would be judged against were already pruned is not allowed either: a cap that cannot be
 * checked is not assumed to hold.
 */
export function checkContact(contact: ContactRules, history: ContactHistory, attempt: ContactAttempt): ContactVerdict {
  if (contact.horizon > 0 && history.prunedUpTo !== null && attempt.at - contact.horizon < history.prunedUpTo) {
    return {
      allowed: false,
      rule: HISTORY_RULE_ID,
      reason: `it is older than the contact history kept: sends up to ${formatDuration(contact.horizon)} before it were already forgotten`,
    };
  }
  for (const rule of contact.rules) {
    if (!applies(rule, attempt.channel)) continue;
    const reason = judge(rule, history, attempt);
    if (reason !== null) return { allowed: false, rule: rule.id, reason };
  }
  return { allowed: true };
}
