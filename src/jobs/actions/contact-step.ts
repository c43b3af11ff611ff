/**
 * The contact step: keyed by user, it takes action records, checks the rules file's contact rules against the
 * user's contact history in keyed state, and either passes the action on unchanged (and records the send in the
 * history) or sends it to the `suppressed` side output as `{ action, rule, reason }`. The history change and the
 * output are part of the same batch commit, so after a crash the replay repeats the same verdicts: the rules hold
 * across kill -9 and restart. An action's time is its event time (the decision time); a replay judges it the same.
 */
import type { KeyedProcessor, ProcessContext } from '../../api/types.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { EMPTY_HISTORY, withSend, type ContactHistory } from '../scoring/rules/contact-history.js';
import { checkContact, type ContactAttempt, type ContactRules } from '../scoring/rules/contact-rules.js';
import { isKnownTimeZone } from '../scoring/rules/local-time.js';

const SUPPRESSED_OUTPUT = 'suppressed';
const HISTORY_STATE = 'contact-history';

interface SuppressedAction {
  action: Record<string, unknown>;
  rule: string;
  reason: string;
}

function badAction(message: string): never {
  throw new FlywheelError(
    ErrorCodes.BAD_RECORD,
    `action ${message}`,
    {},
    'actions are objects with a string `channel` and an IANA time zone (docs/actions.md)',
  );
}

function attemptOf(contact: ContactRules, action: unknown, at: number): ContactAttempt {
  if (typeof action !== 'object' || action === null || Array.isArray(action)) badAction('is not an object');
  const record = action as Record<string, unknown>;
  const name = typeof record.actionId === 'string' ? record.actionId : '(without actionId)';
  const channel = record.channel ?? null;
  if (channel !== null && typeof channel !== 'string') badAction(`${name}: channel must be a string, got ${typeof channel}`);
  const zone = record[contact.timeZoneField] ?? contact.defaultTimeZone;
  if (typeof zone !== 'string' || !isKnownTimeZone(zone)) badAction(`${name}: ${contact.timeZoneField} ${JSON.stringify(zone)} is not a time zone`);
  return { at, channel, timeZone: zone };
}

export function contactStep(contact: ContactRules): KeyedProcessor<unknown, unknown> {
  // History lives as long as a rule can look back at it, twice over (contact-history.ts), in event time.
  const stateOptions = contact.horizon > 0 ? { ttl: 2 * contact.horizon } : undefined;
  return {
    onRecord(action: unknown, ctx: ProcessContext<unknown>) {
      const attempt = attemptOf(contact, action, ctx.timestamp);
      const state = contact.horizon > 0 ? ctx.state<ContactHistory>(HISTORY_STATE, stateOptions) : null;
      const history = state?.get() ?? EMPTY_HISTORY;
      const verdict = checkContact(contact, history, attempt);
      if (!verdict.allowed) {
        const suppressed: SuppressedAction = { action: action as Record<string, unknown>, rule: verdict.rule, reason: verdict.reason };
        ctx.sideOutput(SUPPRESSED_OUTPUT, suppressed);
        return;
      }
      state?.set(withSend(history, attempt.at, attempt.channel, contact.horizon));
      ctx.emit(action);
    },
  };
}
