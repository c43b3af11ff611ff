/**
 * The known ground truth behind the synthetic e-commerce events: who users and items are, the true click and
 * conversion models, and how experiments act (assignment, self-selection, compliance, effects). Everything is a
 * pure function of the seed and ids, so tests can ask the truth for any (user, item) without generating events.
 */
import { normal, sigmoid, uniform } from './random.js';

export interface VariantOption {
  name: string;
  /** Share of users assigned to (or, observationally, choosing) this variant. */
  weight: number;
  /** Shift of the click log-odds for users who use this variant. */
  clickEffect?: number;
  /** Shift of the purchase-given-cart log-odds for users who use this variant. */
  conversionEffect?: number;
}

export interface ExperimentOption {
  id: string;
  /** The first variant is the control. */
  variants: VariantOption[];
  randomized: boolean;
  /** Share of users assigned to a non-control variant who actually use it (randomized only); default 1. */
  compliance?: number;
}

export interface TruthOptions {
  seed: number;
  users: number;
  items: number;
  categories: number;
  experiments: ExperimentOption[];
}

/** The coefficients of the true click model: logit P(click | view) = sum of these terms. */
export const CLICK_MODEL = { intercept: -2.2, quality: 0.8, favouriteCategory: 1.2, logPriceOver20: -0.3, userPropensity: 1 } as const;
/** logit P(cart | click) = cartIntercept + 0.5 quality + 0.6 highValue; logit P(purchase | cart) = purchaseIntercept + effects. */
export const FUNNEL = { cartIntercept: -0.8, purchaseIntercept: 0 } as const;

export interface UserTruth {
  favouriteCategory: number;
  propensity: number;
  highValue: boolean;
  tenureDays: number;
  pastSpend: number;
}

export interface ItemTruth {
  category: number;
  quality: number;
  price: number;
}

export class EcommerceTruth {
  private readonly users = new Map<number, UserTruth>();
  private readonly items = new Map<number, ItemTruth>();

  constructor(readonly options: TruthOptions) {}

  user(u: number): UserTruth {
    let user = this.users.get(u);
    if (!user) this.users.set(u, (user = this.computeUser(u)));
    return user;
  }

  item(i: number): ItemTruth {
    let item = this.items.get(i);
    if (!item) this.items.set(i, (item = this.computeItem(i)));
    return item;
  }

  private computeUser(u: number): UserTruth {
    const s = this.options.seed;
    const highValue = uniform(s, 1, u) < 0.2;
    return {
      favouriteCategory: Math.floor(uniform(s, 2, u) * this.options.categories),
      propensity: 0.5 * normal(s, 3, u),
      highValue,
      tenureDays: Math.floor(uniform(s, 4, u) * 1000),
      pastSpend: Math.round(Math.exp(4 + (highValue ? 1 : 0) + 0.7 * normal(s, 5, u)) * 100) / 100,
    };
  }

  private computeItem(i: number): ItemTruth {
    const s = this.options.seed;
    return {
      category: Math.floor(uniform(s, 6, i) * this.options.categories),
      quality: normal(s, 7, i),
      price: Math.round(Math.exp(3 + 0.8 * normal(s, 8, i)) * 100) / 100,
    };
  }

  /** True P(click | view) of user u viewing item i, with a click log-odds shift from the variant they use. */
  clickProbability(u: number, i: number, shift = 0): number {
    const user = this.user(u);
    const item = this.item(i);
    const m = CLICK_MODEL;
    const logit = m.intercept + m.quality * item.quality + (item.category === user.favouriteCategory ? m.favouriteCategory : 0) + m.logPriceOver20 * Math.log(item.price / 20) + m.userPropensity * user.propensity + shift;
    return sigmoid(logit);
  }

  cartProbability(u: number, i: number): number {
    return sigmoid(FUNNEL.cartIntercept + 0.5 * this.item(i).quality + (this.user(u).highValue ? 0.6 : 0));
  }

  purchaseProbability(shift = 0): number {
    return sigmoid(FUNNEL.purchaseIntercept + shift);
  }

  /** Probability that user u chooses the treatment of an observational experiment: confounded by value and taste. */
  selfSelectionProbability(u: number): number {
    const user = this.user(u);
    return sigmoid(-1 + 1.5 * (user.highValue ? 1 : 0) + 1.0 * user.propensity);
  }

  /** The variant user u is assigned (randomized) or chooses (observational), and whether they use it. */
  assignment(u: number, e: number): { variant: number; used: boolean } {
    const exp = this.options.experiments[e]!;
    const s = this.options.seed;
    if (!exp.randomized) {
      const treated = uniform(s, 9, u, e) < this.selfSelectionProbability(u);
      return { variant: treated ? 1 : 0, used: true };
    }
    const total = exp.variants.reduce((t, v) => t + v.weight, 0);
    let x = uniform(s, 10, u, e) * total;
    let variant = 0;
    while (variant < exp.variants.length - 1 && x >= exp.variants[variant]!.weight) x -= exp.variants[variant++]!.weight;
    const used = variant === 0 || uniform(s, 11, u, e) < (exp.compliance ?? 1);
    return { variant, used };
  }

  /** Total click and conversion log-odds shifts for user u across the experiments' variants they use. */
  shifts(u: number): { click: number; conversion: number } {
    let click = 0;
    let conversion = 0;
    this.options.experiments.forEach((exp, e) => {
      const a = this.assignment(u, e);
      if (!a.used) return;
      const v = exp.variants[a.variant]!;
      click += v.clickEffect ?? 0;
      conversion += v.conversionEffect ?? 0;
    });
    return { click, conversion };
  }
}
