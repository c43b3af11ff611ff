/**
 * A compiled contact rule's setting as written (`3d`, `2 in 7d`, `21:00-08:00`) and what it means, in one English
 * sentence: GET /rules and the console's rules page show both beside the rule, so that an operator reads what the
 * send path enforces (docs/actions.md, "What the rules mean, exactly") without working it out from the YAML.
 */
import { formatDuration } from '../../../core/durations.js';
import { clock, type ContactRule, type ContactRules } from './contact-rules.js';

function channelsClause(rule: ContactRule): string {
  if (rule.channels === null) return 'on any channel, counting sends on every channel';
  const names = rule.channels.join(', ');
  return `on ${names} only (actions on other channels are neither judged nor counted by this rule)`;
}

export function contactRuleMeaning(rule: ContactRule, contact: Pick<ContactRules, 'timeZoneField' | 'defaultTimeZone'>): string {
  switch (rule.kind) {
    case 'minGap':
      return `No message less than ${formatDuration(rule.gap)} before or after another one that was sent, ${channelsClause(rule)}; an action that would break it is suppressed.`;
    case 'maxPerWindow': {
      const messages = rule.count === 1 ? '1 message' : `${rule.count} messages`;
      return `At most ${messages} in any rolling ${formatDuration(rule.window)} (no calendar weeks, no reset at midnight), ${channelsClause(rule)}; an action that would be one too many is suppressed.`;
    }
    case 'quietHours': {
      const span = rule.to < rule.from ? ' (across midnight)' : '';
      return `No message from ${clock(rule.from)} to ${clock(rule.to)}${span} in the user's local time (the action's ${contact.timeZoneField} field, else ${contact.defaultTimeZone}), ${channelsClause(rule)}; an action in those hours is suppressed, not delayed.`;
    }
  }
}

export function contactRuleSetting(rule: ContactRule): string {
  if (rule.kind === 'minGap') return formatDuration(rule.gap);
  if (rule.kind === 'maxPerWindow') return `${rule.count} in ${formatDuration(rule.window)}`;
  return `${clock(rule.from)}-${clock(rule.to)}`;
}
