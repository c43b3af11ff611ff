/**
 * Campaign decisions: keyed by user, it follows each user's activity and, when a user goes silent for `inactiveFor`
 * of event time, scores the churn risk of that silence and lets the rules file's decision (reject and adjust rules,
 * threshold) say whether the user gets the offer; a taken decision goes on as an action record
 * `{ actionId, userId, campaign, channel, offer, segment, score, decidedAt, policyVersion, timeZone }`.
 *
 * Churn risk is a heuristic, not the trained churn model (which needs 7 days of event time before it publishes):
 * with the user's own mean gap g between events, a user active at that pace shows activity within `inactiveFor` = T
 * with probability 1 - exp(-T / g) (Poisson activity), so a silence that long is that surprising. It is undefined
 * below `minEvents` events (no pace yet): such users are not scored.
 * The policy the user is under is the variant of the `rollout` experiment the user was exposed to (`control` when
 * none was seen), so the rollout's evidence and the actions name the same arm.
 */
import { resolve } from 'node:path';
import type { FiredTimer, KeyedProcessor, ProcessContext } from '../../api/types.js';
import { MAX_TIMER_MS } from '../../core/durations.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import type { BehaviourEvent } from '../events/parse-event.js';
import { checkedStepOptions } from '../model/step-options.js';
import { decide } from '../scoring/rules/decide.js';
import { loadRulesFile } from '../scoring/rules/rules-loader.js';

const ACTIVITY_STATE = 'campaign-activity';
const SILENCE_TIMER = 'silence';

interface CampaignOptions {
  rules: string;
  campaign: string;
  inactiveFor: number;
  minEvents: number;
  rollout: string | null;
  timeZone: string;
}

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['rules', 'campaign'],
  properties: {
    rules: { type: 'string', minLength: 1, description: 'rules file with a decision: section, relative to the working directory' },
    campaign: { type: 'string', minLength: 1 },
    inactiveFor: { duration: MAX_TIMER_MS, default: 86_400_000, description: 'event time of silence after which a user is scored' },
    minEvents: { type: 'integer', minimum: 2, default: 3 },
    rollout: { type: ['string', 'null'], default: null, description: 'the experiment whose variant names the policy version' },
    timeZone: { type: 'string', minLength: 1, default: 'UTC' },
  },
} as const;

/** What the step keeps per user. */
interface Activity {
  first: number;
  last: number;
  events: number;
  revenue: number;
  policy: string | null;
}

export function campaignDecisions(options: unknown): KeyedProcessor<BehaviourEvent, unknown> {
  const o = checkedStepOptions<CampaignOptions>(schema, options, 'campaign decisions', 'docs/actions.md');
  const rules = loadRulesFile(resolve(o.rules));
  if (!rules.inputs.includes('user') || !rules.inputs.includes('now'))
    throw new FlywheelError(
      ErrorCodes.RULES_INVALID,
      `campaign decisions read the inputs user and now; the rules file declares ${JSON.stringify(rules.inputs)}`,
      { file: rules.file, path: 'inputs' },
      'declare inputs: [user, now] (docs/actions.md, "Campaign decisions")',
    );
  return {
    onRecord(event, ctx) {
      const state = ctx.state<Activity>(ACTIVITY_STATE);
      const seen = state.get() ?? { first: event.ts, last: event.ts, events: 0, revenue: 0, policy: null };
      // An exposure is an assignment, not activity: it names the policy and neither counts nor moves the silence.
      if (event.type === 'exposure') {
        if (event.experiment?.id === o.rollout) state.set({ ...seen, policy: event.experiment.variant });
        return;
      }
      if (event.type === 'purchase') seen.revenue += (event.price ?? 0) * (event.qty ?? 1);
      if (seen.events === 0 || event.ts > seen.last) {
        if (seen.events > 0) ctx.timers.delete(seen.last + o.inactiveFor, SILENCE_TIMER);
        seen.last = event.ts;
        ctx.timers.register(seen.last + o.inactiveFor, SILENCE_TIMER);
      }
      seen.first = seen.events === 0 ? event.ts : Math.min(seen.first, event.ts);
      seen.events++;
      state.set(seen);
    },
    onTimer(timer: FiredTimer, ctx: ProcessContext<unknown>) {
      const state = ctx.state<Activity>(ACTIVITY_STATE);
      const seen = state.get();
      if (!seen) return;
      // The silence ends the user's episode: a user who comes back is paced afresh. Only the arm is kept, so state
      // is one small value per user (no TTL: a watermark jumping past a TTL would expire it before its timer fired).
      state.set({ first: 0, last: 0, events: 0, revenue: 0, policy: seen.policy });
      if (seen.events < o.minEvents || seen.last <= seen.first) return;
      const meanGap = (seen.last - seen.first) / (seen.events - 1);
      const score = 1 - Math.exp(-o.inactiveFor / meanGap);
      const segment = seen.revenue > 0 ? 'buyer' : 'browser';
      const user = { events: seen.events, revenue: seen.revenue, segment };
      const decision = decide(rules, { user, now: timer.time }, score);
      if (decision.action === null) return;
      ctx.emit(
        {
          actionId: `${o.campaign}:${ctx.key}:${timer.time}`,
          userId: String(ctx.key),
          campaign: o.campaign,
          channel: String(decision.offer.channel ?? 'email'),
          offer: decision.offer,
          segment,
          score: decision.adjustedScore,
          decidedAt: timer.time,
          policyVersion: seen.policy ?? 'control',
          timeZone: o.timeZone,
        },
        timer.time,
      );
    },
  };
}
