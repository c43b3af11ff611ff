/**
 * A YAML job for contact-rule tests, written into a directory of its own: seeded action records (users in UTC, in
 * Asia/Kolkata and in Europe/Berlin across the March 2026 daylight-saving change; channels sms, push and email; a
 * few out of time order) read from `actions.jsonl` with the decision time as event time, keyed by user into the
 * contact step, whose passed actions go to the sink `sent` (a file, or the connector given) and whose suppressed
 * ones go to `suppressed.jsonl`. The rules (`rules.yaml`): at most one message a day, three a week, none on sms or
 * push from 22:00 to 07:00 local time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/core/seeded-random.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** 20 March 2026, 00:00 UTC: the actions span the change to summer time in Berlin on 29 March. */
export const START = Date.UTC(2026, 2, 20);

export interface Action {
  actionId: string;
  userId: string;
  campaign: string;
  channel: string;
  offer: { coupon: number };
  decidedAt: number;
  policyVersion: string;
  timeZone?: string;
}

export const CONTACT_RULES = `inputs: [user]
decision: { action: send_coupon }
rules: []
contact:
  rules:
    - id: one-a-day
      minGap: 1d
    - id: three-a-week
      maxPerWindow: { count: 3, window: 7d }
    - id: quiet-nights
      channels: [sms, push]
      quietHours: { from: "22:00", to: "07:00" }
`;

const ZONES = [undefined, 'Asia/Kolkata', 'Europe/Berlin'] as const;
const CHANNELS = ['sms', 'push', 'email'] as const;

/** `count` actions for `users` users, about `meanGapMs` apart overall; one in 50 goes up to 12 h back in time. */
export function seededActions(seed: number, count: number, users: number, meanGapMs: number): Action[] {
  const rand = mulberry32(seed);
  const actions: Action[] = [];
  let clock = START;
  for (let n = 0; n < count; n++) {
    clock += Math.floor(rand() * 2 * meanGapMs);
    const user = Math.floor(rand() * users);
    const zone = ZONES[user % ZONES.length];
    const decidedAt = rand() < 0.02 ? clock - Math.floor(rand() * 12 * HOUR) : clock;
    actions.push({
      actionId: `a${n}`,
      userId: `u${user}`,
      campaign: 'win-back',
      channel: CHANNELS[Math.floor(rand() * CHANNELS.length)]!,
      offer: { coupon: 5 },
      decidedAt,
      policyVersion: 'v1',
      ...(zone ? { timeZone: zone } : {}),
    });
  }
  return actions;
}

export interface ContactJob {
  actions: readonly unknown[];
  /** The `sent` sink's connector as a YAML flow mapping; default a file `sent.jsonl`. */
  sent?: string;
  /** More runtime settings, as YAML flow mapping entries. */
  runtime?: string;
}

/** Writes actions.jsonl, rules.yaml and topology.yaml into `dir`; returns the topology's path. */
export function writeContactJob(dir: string, job: ContactJob): string {
  writeFileSync(join(dir, 'actions.jsonl'), job.actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
  writeFileSync(join(dir, 'rules.yaml'), CONTACT_RULES);
  const topology = `name: contact-job
deadLetter: dlq
runtime: { workers: 2, slots: 4, stateDir: ./state${job.runtime ? `, ${job.runtime}` : ''} }
steps:
  - id: actions
    op: source
    connector: { type: file, path: ./actions.jsonl }
    eventTime: { field: decidedAt, maxOutOfOrderness: 12h }
  - id: by-user
    op: keyBy
    field: userId
  - id: contact
    op: process
    processor: flywheel:jobs/actions/processors.js#contactRules
    with: { rules: ${JSON.stringify(join(dir, 'rules.yaml'))} }
    onError: deadLetter
  - id: sent
    op: sink
    connector: ${job.sent ?? '{ type: file, path: ./sent.jsonl }'}
  - id: suppressed
    op: sink
    from: contact.suppressed
    connector: { type: file, path: ./suppressed.jsonl }
  - id: dlq
    op: sink
    from: []
    connector: { type: file, path: ./dlq.jsonl }
`;
  const file = join(dir, 'topology.yaml');
  writeFileSync(file, topology);
  return file;
}
