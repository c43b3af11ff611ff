/**
 * The true effects of an experiment, computed exactly from the true model over the whole user population (no
 * sampling): for each user the expected clicks, purchases and revenue of one view, summed over the items that view
 * may show (ecommerce-world.ts viewProbability), under every variant of the experiment (the user's other experiments
 * as they are). Views pick users uniformly, so a per-view rate of an arm converges to the mean over its users.
 * Cost: users x items x variants evaluations of the funnel, once per experiment.
 */
import type { ExperimentPlan } from './ecommerce-experiments.js';
import { CLICK_MODEL, MEAN_QUANTITY, type TrueModel } from './ecommerce-model.js';
import { SESSION_FAVOURITE, VIEW_IN_CATEGORY } from './ecommerce-world.js';

/** Expected outcomes of one view: P(click), P(purchase) and revenue (price paid times quantity). */
export interface PerView {
  click: number;
  purchase: number;
  revenue: number;
}

export interface VariantTruth {
  name: string;
  /** Share of the population assigned (or choosing) this variant. */
  share: number;
  clickEffect: number;
  conversionEffect: number;
  revenueEffect: number;
  /** Expected outcomes per view of the users in this arm, as they are (with their compliance and selection). */
  perView: PerView;
}

export interface EffectTruth {
  variant: string;
  /** Average treatment effect per view: every user using this variant instead of control. */
  ate: PerView;
  /** Intent to treat per view: every user assigned this variant (compliers use it) instead of control. */
  itt: PerView;
  /** Share of users who use the variant when assigned it (the first stage of the complier analysis). */
  usage: number;
  /** Effect per view among compliers (= itt / usage, the Wald estimand). */
  complierEffect: PerView;
  /** What the naive difference of this arm's and control's observed per-view means converges to. */
  naive: PerView;
}

export interface ExperimentTruth {
  id: string;
  randomized: boolean;
  compliance: number;
  variants: VariantTruth[];
  /** One entry per non-control variant, against control. */
  effects: EffectTruth[];
  /** Observational only: the calibrated intercept of the self-selection model (ecommerce-experiments.ts). */
  selectionIntercept: number | null;
}

const zero = (): PerView => ({ click: 0, purchase: 0, revenue: 0 });

function accumulate(into: PerView, x: PerView, weight: number): void {
  into.click += weight * x.click;
  into.purchase += weight * x.purchase;
  into.revenue += weight * x.revenue;
}

const difference = (a: PerView, b: PerView): PerView => ({ click: a.click - b.click, purchase: a.purchase - b.purchase, revenue: a.revenue - b.revenue });
const scaled = (a: PerView, k: number): PerView => ({ click: a.click * k, purchase: a.purchase * k, revenue: a.revenue * k });

/** Expected outcomes of one view of user u with the given shifts (the exact sum over items). */
export function expectedPerView(model: TrueModel, u: number, clickShift: number, conversionShift: number, revenueMultiplier: number): PerView {
  const w = model.world;
  const favourite = w.favourite[u]!;
  const high = w.highValue[u]!;
  const cart = model.itemCartProbability[high]!;
  const clickBase = model.userClickLogit[u]! + clickShift;
  const purchaseBase = model.userPurchaseLogit[u]! + conversionShift;
  const uniformPart = w.uniformViewShare(u) / w.items;
  const otherCategory = (VIEW_IN_CATEGORY * (1 - SESSION_FAVOURITE)) / w.categories;
  const favouriteCategory = VIEW_IN_CATEGORY * SESSION_FAVOURITE;
  const out = zero();
  for (let i = 0; i < w.items; i++) {
    const c = w.itemCategory[i]!;
    const isFavourite = c === favourite;
    const q = uniformPart + (otherCategory + (isFavourite ? favouriteCategory : 0)) / w.itemsIn(c);
    const click = 1 / (1 + Math.exp(-(model.itemClickLogit[i]! + clickBase + (isFavourite ? CLICK_MODEL.favouriteCategory : 0))));
    const purchase = (click * cart[i]!) / (1 + Math.exp(-(model.itemPurchaseLogit[i]! + purchaseBase)));
    out.click += q * click;
    out.purchase += q * purchase;
    out.revenue += q * purchase * w.itemPrice[i]!;
  }
  out.revenue *= revenueMultiplier * MEAN_QUANTITY;
  return out;
}

/** The exact population truth of experiment e. */
export function experimentTruth(model: TrueModel, plan: ExperimentPlan, e: number): ExperimentTruth {
  const a = plan.assignments[e]!;
  const variants = a.option.variants;
  const V = variants.length;
  const U = model.world.users;
  const armSum = variants.map(zero);
  const armUsers = new Float64Array(V);
  const ate = variants.map(zero);
  const itt = variants.map(zero);
  const complierSum = variants.map(zero);
  let compliers = 0;
  for (let u = 0; u < U; u++) {
    const own = variants[plan.experienced(e, u)]!;
    // The shifts of the user's other experiments: remove this experiment's own variant from the totals.
    const click = plan.clickShift[u]! - own.clickEffect;
    const conversion = plan.conversionShift[u]! - own.conversionEffect;
    const revenue = plan.revenueMultiplier[u]! / (1 + own.revenueEffect);
    const outcomes = variants.map((v) => expectedPerView(model, u, click + v.clickEffect, conversion + v.conversionEffect, revenue * (1 + v.revenueEffect)));
    const complier = a.complier[u] === 1;
    if (complier) compliers++;
    for (let v = 1; v < V; v++) {
      const effect = difference(outcomes[v]!, outcomes[0]!);
      accumulate(ate[v]!, effect, 1 / U);
      if (complier) {
        accumulate(itt[v]!, effect, 1 / U);
        accumulate(complierSum[v]!, effect, 1);
      }
    }
    accumulate(armSum[a.variant[u]!]!, outcomes[plan.experienced(e, u)]!, 1);
    armUsers[a.variant[u]!]++;
  }
  const perView = armSum.map((s, v) => scaled(s, armUsers[v]! > 0 ? 1 / armUsers[v]! : NaN));
  return {
    id: a.option.id,
    randomized: a.option.randomized,
    compliance: a.option.compliance,
    selectionIntercept: a.selectionIntercept,
    variants: variants.map((v, k) => ({
      name: v.name,
      share: armUsers[k]! / U,
      clickEffect: v.clickEffect,
      conversionEffect: v.conversionEffect,
      revenueEffect: v.revenueEffect,
      perView: perView[k]!,
    })),
    effects: variants.slice(1).map((v, k) => ({
      variant: v.name,
      ate: ate[k + 1]!,
      itt: itt[k + 1]!,
      usage: compliers / U,
      complierEffect: scaled(complierSum[k + 1]!, compliers > 0 ? 1 / compliers : NaN),
      naive: difference(perView[k + 1]!, perView[0]!),
    })),
  };
}
