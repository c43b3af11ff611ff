/**
 * A plain reference of the harness's contact rules (test/harness/contact-job.ts), written independently of the
 * contact step: actions in arrival order per user; one a day means no two sends less than a day apart; three a
 * week means every four consecutive sends span at least 7 days; quiet nights use each zone's UTC offset (Berlin by
 * the EU rule: +1 h until 29 March 2026 01:00 UTC, +2 h after). It answers, per action id, the rule that suppressed
 * it, or null when it is sent.
 */
import { DAY, type Action } from '../../harness/contact-job.js';

const BERLIN_SUMMER_FROM = Date.UTC(2026, 2, 29, 1);
const BERLIN_SUMMER_UNTIL = Date.UTC(2026, 9, 25, 1);

function offsetMinutes(zone: string | undefined, at: number): number {
  if (zone === 'Asia/Kolkata') return 330;
  if (zone === 'Europe/Berlin') return at >= BERLIN_SUMMER_FROM && at < BERLIN_SUMMER_UNTIL ? 120 : 60;
  return 0;
}

function quiet(action: Action): boolean {
  if (action.channel !== 'sms' && action.channel !== 'push') return false;
  const local = (((action.decidedAt + offsetMinutes(action.timeZone, action.decidedAt) * 60_000) % DAY) + DAY) % DAY;
  const minute = Math.floor(local / 60_000);
  return minute >= 22 * 60 || minute < 7 * 60;
}

function overCap(sends: readonly number[]): boolean {
  const sorted = [...sends].sort((a, b) => a - b);
  return sorted.some((t, i) => i >= 3 && t - sorted[i - 3]! < 7 * DAY);
}

export function referenceVerdicts(actions: readonly Action[]): Map<string, string | null> {
  const sendsByUser = new Map<string, number[]>();
  const verdicts = new Map<string, string | null>();
  for (const action of actions) {
    const sends = sendsByUser.get(action.userId) ?? [];
    let rule: string | null = null;
    if (sends.some((s) => Math.abs(s - action.decidedAt) < DAY)) rule = 'one-a-day';
    else if (overCap([...sends, action.decidedAt])) rule = 'three-a-week';
    else if (quiet(action)) rule = 'quiet-nights';
    if (rule === null) sendsByUser.set(action.userId, [...sends, action.decidedAt]);
    verdicts.set(action.actionId, rule);
  }
  return verdicts;
}
