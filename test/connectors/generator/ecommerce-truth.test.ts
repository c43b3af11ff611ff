/**
 * The ground truth is what the generated events show. Simulation with known truth: the stream is generated, every
 * view traced to what it led to, and the empirical rates compared with the exported true models and effects.
 * Tolerances: a count of independent Bernoulli outcomes is compared with its expectation in units of its exact
 * standard deviation sqrt(sum p(1 - p)); per-view rates of an arm with a standard error clustered by user (views of
 * one user are correlated through the user); each check allows 4.5 to 5 standard errors, so a correct generator
 * fails one with probability below 1e-4 overall, while the effects checked are 8+ standard errors from zero or
 * from the biased value, so a wrong truth is caught.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecommerceEvents } from '../../../src/connectors/generator/generator-source.js';
import { truth } from '../../../src/connectors/generator/ecommerce-truth.js';
import type { EcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';
import type { ExposureEvent } from '../../../src/connectors/generator/ecommerce-events.js';
import { viewOutcomes, type StreamEvent, type ViewOutcome } from './funnel-outcomes.js';

const options: Partial<EcommerceOptions> = {
  seed: 11,
  users: 4000,
  items: 400,
  categories: 8,
  partitions: 1,
  count: 700_000,
  eventsPerSecondOfEventTime: 200,
  experiments: [
    {
      id: 'rct',
      randomized: true,
      compliance: 1,
      confounding: 1,
      variants: [
        { name: 'control', weight: 1, clickEffect: 0, conversionEffect: 0, revenueEffect: 0 },
        { name: 'treatment', weight: 1, clickEffect: 0.5, conversionEffect: 0.6, revenueEffect: 0.2 },
      ],
    },
    {
      id: 'partial',
      randomized: true,
      compliance: 0.6,
      confounding: 1,
      variants: [
        { name: 'control', weight: 1, clickEffect: 0, conversionEffect: 0, revenueEffect: 0 },
        { name: 'treatment', weight: 1, clickEffect: 0.6, conversionEffect: 0, revenueEffect: 0 },
      ],
    },
    {
      id: 'obs',
      randomized: false,
      compliance: 1,
      confounding: 1,
      variants: [
        { name: 'control', weight: 2, clickEffect: 0, conversionEffect: 0, revenueEffect: 0 },
        { name: 'treatment', weight: 1, clickEffect: 0.3, conversionEffect: 0, revenueEffect: 0 },
      ],
    },
  ],
};

const world = truth(options);
const events = [...ecommerceEvents(options)] as Array<StreamEvent | ExposureEvent>;
const views = viewOutcomes(events as StreamEvent[]);
const exposures = events.filter((e): e is ExposureEvent => e.type === 'exposure');

type Outcome = 'clicked' | 'purchased' | 'revenue';
const value = (v: ViewOutcome, o: Outcome): number => (o === 'revenue' ? v.revenue : v[o] ? 1 : 0);

/** Observed successes against expected in quantile buckets of the true probability; each |z| < 4.5. */
function checkCalibration(name: string, cases: Array<{ p: number; y: boolean }>, buckets: number): void {
  cases.sort((a, b) => a.p - b.p);
  for (let b = 0; b < buckets; b++) {
    const slice = cases.slice(Math.floor((b * cases.length) / buckets), Math.floor(((b + 1) * cases.length) / buckets));
    const expected = slice.reduce((t, c) => t + c.p, 0);
    const sd = Math.sqrt(slice.reduce((t, c) => t + c.p * (1 - c.p), 0));
    const observed = slice.filter((c) => c.y).length;
    const z = (observed - expected) / sd;
    assert.ok(
      Math.abs(z) < 4.5,
      `${name}, bucket ${b} (p ${slice[0]!.p.toFixed(3)}-${slice[slice.length - 1]!.p.toFixed(3)}): observed ${observed}, expected ${expected.toFixed(1)}, z ${z.toFixed(2)}`,
    );
  }
}

test('P(click | view), P(cart | click) and P(purchase | cart) match the true models per bucket of true probability', () => {
  assert.ok(views.length > 300_000, `views ${views.length}`);
  checkCalibration(
    'click',
    views.map((v) => ({ p: world.clickProbability(v.user, v.item), y: v.clicked })),
    10,
  );
  const clicked = views.filter((v) => v.clicked);
  checkCalibration(
    'cart',
    clicked.map((v) => ({ p: world.cartProbability(v.user, v.item), y: v.carted })),
    5,
  );
  const carted = views.filter((v) => v.carted);
  checkCalibration(
    'purchase',
    carted.map((v) => ({ p: world.purchaseProbability(v.user, v.item), y: v.purchased })),
    4,
  );
  for (const v of views.filter((x) => x.purchased)) {
    const units = v.revenue / world.pricePaid(v.user, v.item);
    assert.ok(
      [1, 2, 3].some((q) => Math.abs(units - q) < 1e-9),
      `a purchase pays the true price paid times 1-3 units (${units})`,
    );
  }
});

/** Per-view mean of an outcome over the users in `weights` (weight per user), with a standard error clustered by user. */
function perViewRate(o: Outcome, weights: Map<number, number>): { rate: number; se: number } {
  const perUser = new Map<number, { n: number; y: number }>();
  for (const v of views) {
    if (!weights.has(v.user)) continue;
    const s = perUser.get(v.user) ?? { n: 0, y: 0 };
    s.n++;
    s.y += value(v, o);
    perUser.set(v.user, s);
  }
  let n = 0;
  let y = 0;
  for (const [u, s] of perUser) {
    n += weights.get(u)! * s.n;
    y += weights.get(u)! * s.y;
  }
  const rate = y / n;
  let v = 0;
  for (const [u, s] of perUser) v += (weights.get(u)! * (s.y - rate * s.n)) ** 2;
  return { rate, se: Math.sqrt(v) / n };
}

function arms(experiment: string, weight: (e: ExposureEvent) => number = () => 1): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const e of exposures.filter((x) => x.experiment.id === experiment)) {
    const arm = out.get(e.experiment.variant) ?? new Map<number, number>();
    arm.set(Number(e.userId.slice(1)), weight(e));
    out.set(e.experiment.variant, arm);
  }
  return out;
}

function difference(o: Outcome, a: Map<string, Map<number, number>>): { effect: number; se: number } {
  const t = perViewRate(o, a.get('treatment')!);
  const c = perViewRate(o, a.get('control')!);
  return { effect: t.rate - c.rate, se: Math.hypot(t.se, c.se) };
}

const OUTCOMES = [
  ['clicked', 'click'],
  ['purchased', 'purchase'],
  ['revenue', 'revenue'],
] as const;

test('randomized experiment: split as configured, and the arms differ by the true effect on clicks, purchases and revenue', () => {
  const t = world.experiment('rct');
  const a = arms('rct');
  const treated = a.get('treatment')!.size;
  const n = treated + a.get('control')!.size;
  // Binomial(n, 1/2): 5 sd.
  assert.ok(Math.abs(treated - n / 2) < 5 * Math.sqrt(n / 4), `treated ${treated} of ${n}`);
  assert.ok(Math.abs(t.variants[1]!.share - 0.5) < 5 * Math.sqrt(0.25 / 4000));
  for (const [o, field] of OUTCOMES) {
    const d = difference(o, a);
    const truthEffect = t.effects[0]!.itt[field];
    assert.equal(truthEffect, t.effects[0]!.ate[field], 'full compliance: intent to treat is the effect');
    assert.ok(Math.abs(truthEffect) > 8 * d.se, `${field}: the true effect ${truthEffect} is large enough to be seen (se ${d.se})`);
    assert.ok(Math.abs(d.effect - truthEffect) < 5 * d.se, `${field}: observed ${d.effect.toFixed(5)}, true ${truthEffect.toFixed(5)}, se ${d.se.toFixed(5)}`);
  }
});

test('non-compliance: usage as configured, and the Wald ratio recovers the true complier effect', () => {
  const t = world.experiment('partial');
  const a = arms('partial');
  const treatedExposures = exposures.filter((e) => e.experiment.id === 'partial' && e.experiment.variant === 'treatment');
  const usage = treatedExposures.filter((e) => e.experiment.used).length / treatedExposures.length;
  assert.ok(Math.abs(usage - 0.6) < 5 * Math.sqrt((0.6 * 0.4) / treatedExposures.length), `usage ${usage}`);
  assert.ok(Math.abs(t.effects[0]!.usage - 0.6) < 5 * Math.sqrt(0.24 / 4000), `true usage ${t.effects[0]!.usage}`);
  const itt = difference('clicked', a);
  assert.ok(Math.abs(itt.effect - t.effects[0]!.itt.click) < 5 * itt.se, `ITT observed ${itt.effect}, true ${t.effects[0]!.itt.click}`);
  const wald = itt.effect / usage;
  const complier = t.effects[0]!.complierEffect.click;
  // The first stage is measured almost exactly (se ~0.01 relative), so the ratio's se is about itt.se / usage.
  assert.ok(Math.abs(wald - complier) < 5 * (itt.se / usage), `Wald ${wald}, true complier effect ${complier}`);
  assert.ok(complier - itt.effect > 8 * itt.se, 'the complier effect is clearly larger than the intent-to-treat effect');
});

test('observational experiment: self-selection biases the naive difference upwards; weighting by the true propensity recovers the effect', () => {
  const t = world.experiment('obs');
  const naiveTruth = t.effects[0]!.naive.click;
  const ate = t.effects[0]!.ate.click;
  const naive = difference('clicked', arms('obs'));
  assert.ok(Math.abs(t.variants[1]!.share - 1 / 3) < 5 * Math.sqrt(2 / 9 / 4000), `share choosing treatment ${t.variants[1]!.share}`);
  assert.ok(Math.abs(naive.effect - naiveTruth) < 5 * naive.se, `naive observed ${naive.effect}, naive truth ${naiveTruth}`);
  assert.ok(naive.effect - ate > 8 * naive.se, `naive ${naive.effect} is biased upwards from the true effect ${ate} (se ${naive.se})`);
  const propensity = (e: ExposureEvent): number => world.selectionPropensity(Number(e.userId.slice(1)), 'obs');
  const weighted = difference(
    'clicked',
    arms('obs', (e) => (e.experiment.variant === 'treatment' ? 1 / propensity(e) : 1 / (1 - propensity(e)))),
  );
  assert.ok(Math.abs(weighted.effect - ate) < 5 * weighted.se, `weighted ${weighted.effect}, true ${ate}, se ${weighted.se}`);
  const obs = exposures.filter((e) => e.experiment.id === 'obs');
  const share = (group: ExposureEvent[]): number => group.filter((e) => e.experiment.variant === 'treatment').length / group.length;
  const high = obs.filter((e) => e.covariates.highValue);
  const rest = obs.filter((e) => !e.covariates.highValue);
  // Two proportions: se of the difference at most sqrt(.25/n1 + .25/n2); 5 se.
  assert.ok(
    share(high) - share(rest) > 5 * Math.sqrt(0.25 / high.length + 0.25 / rest.length),
    `high-value users choose the treatment more often (${share(high)} vs ${share(rest)})`,
  );
});

test('exposures carry the true assignment, usage and covariates', () => {
  for (const e of exposures.slice(0, 3000)) {
    const u = Number(e.userId.slice(1));
    const a = world.assignment(u, e.experiment.id);
    assert.equal(e.experiment.variant, a.variant);
    assert.equal(e.experiment.used, a.used);
    const user = world.user(u);
    assert.deepEqual(e.covariates, {
      highValue: user.highValue,
      engagement: user.engagement,
      tenureDays: user.tenureDays,
      pastSpend: user.pastSpend,
      preClicks: user.preClicks,
    });
  }
});
