/**
 * Compiles a rules file's `contact:` section (already checked against contactSchema, durations in ms) into
 * ContactRules, with the checks a schema cannot make: one kind per rule, ids unique among all the file's rules,
 * gaps and windows above zero, quiet hours that are not empty, and a default time zone Intl knows. A problem is
 * reported through `fail`, which names the YAML path and line.
 */
import type { YamlPath } from '../../../graph/yaml-positions.js';
import type { ContactRule, ContactRules } from './contact-rules.js';
import { isKnownTimeZone } from './local-time.js';

export interface RawContactRule {
  id: string;
  description?: string;
  channels?: string[];
  minGap?: number;
  maxPerWindow?: { count: number; window: number };
  quietHours?: { from: string; to: string };
}

export interface RawContact {
  timeZoneField: string;
  defaultTimeZone: string;
  rules: RawContactRule[];
}

export type Fail = (path: YamlPath, message: string, hint: string) => never;

const KINDS = ['minGap', 'maxPerWindow', 'quietHours'] as const;
const KIND_HINT = 'a contact rule has one of minGap: 3d, maxPerWindow: { count: 2, window: 7d } or quietHours: { from: "21:00", to: "08:00" }';

function minutes(clock: string): number {
  const [hours, mins] = clock.split(':').map(Number);
  return hours! * 60 + mins!;
}

function compileRule(raw: RawContactRule, at: YamlPath, fail: Fail): ContactRule {
  const kinds = KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) fail(at, `contact rule '${raw.id}' needs exactly one of ${KINDS.join(', ')}, has ${kinds.join(', ') || 'none'}`, KIND_HINT);
  const base = { id: raw.id, channels: raw.channels ?? null, ...(raw.description !== undefined ? { description: raw.description } : {}) };
  if (raw.minGap !== undefined) {
    if (raw.minGap <= 0)
      fail([...at, 'minGap'], `contact rule '${raw.id}': minGap must be above 0`, 'give the shortest time between two messages, e.g. minGap: 3d');
    return { ...base, kind: 'minGap', gap: raw.minGap };
  }
  if (raw.maxPerWindow !== undefined) {
    if (raw.maxPerWindow.window <= 0)
      fail([...at, 'maxPerWindow', 'window'], `contact rule '${raw.id}': the window must be above 0`, 'give the rolling window, e.g. window: 7d');
    return { ...base, kind: 'maxPerWindow', count: raw.maxPerWindow.count, window: raw.maxPerWindow.window };
  }
  const { from, to } = raw.quietHours!;
  if (from === to)
    fail(
      [...at, 'quietHours'],
      `contact rule '${raw.id}': quiet hours from ${from} to ${to} are empty`,
      'give different times; from 21:00 to 08:00 spans midnight',
    );
  return { ...base, kind: 'quietHours', from: minutes(from), to: minutes(to) };
}

/** `ruleIds`: the ids of the file's decision rules, which contact rule ids must not repeat. */
export function compileContact(raw: RawContact, ruleIds: readonly string[], fail: Fail): ContactRules {
  if (!isKnownTimeZone(raw.defaultTimeZone))
    fail(['contact', 'defaultTimeZone'], `'${raw.defaultTimeZone}' is not a time zone`, 'name an IANA time zone, e.g. UTC or Europe/Berlin');
  const seen = new Set(ruleIds);
  const rules = raw.rules.map((rule, i) => {
    const at: YamlPath = ['contact', 'rules', i];
    if (seen.has(rule.id))
      fail(
        [...at, 'id'],
        `rule id '${rule.id}' is used twice`,
        'give every rule and contact rule a unique id: suppressed actions name the rule that stopped them',
      );
    seen.add(rule.id);
    return compileRule(rule, at, fail);
  });
  const horizon = Math.max(0, ...rules.map((r) => (r.kind === 'minGap' ? r.gap : r.kind === 'maxPerWindow' ? r.window : 0)));
  return { timeZoneField: raw.timeZoneField, defaultTimeZone: raw.defaultTimeZone, rules, horizon };
}
