/**
 * The true behaviour model of the synthetic e-commerce stream, the ground truth that learned models and effect
 * estimates are checked against. Along the funnel view -> click -> cart -> purchase each step is a logistic model:
 *   logit P(click | view)     = CLICK_MODEL terms    (+ the click shift of the experiment variants the user uses)
 *   logit P(cart | click)     = CART_MODEL terms
 *   logit P(purchase | cart)  = PURCHASE_MODEL terms (+ the conversion shift of the variants the user uses)
 * A cart holds 1 to QUANTITY_MAX units (uniform); a purchase pays the list price times the revenue multiplier of
 * the variants the user uses. How long each step takes and how long sessions last is in FUNNEL_TIMING.
 */
import type { EcommerceWorld } from './ecommerce-world.js';
import { sigmoid } from '../../core/seeded-random.js';

/** Coefficients of logit P(click | view); price enters as ln(price / 20). */
export const CLICK_MODEL = { intercept: -2.2, quality: 0.6, favouriteCategory: 1.0, logPriceOver20: -0.3, engagement: 0.6, highValue: 0.3 } as const;
/** Coefficients of logit P(cart | click). */
export const CART_MODEL = { intercept: -0.8, quality: 0.4, highValue: 0.5, logPriceOver20: -0.2 } as const;
/** Coefficients of logit P(purchase | cart). */
export const PURCHASE_MODEL = { intercept: 0.2, highValue: 0.8, engagement: 0.3, logPriceOver20: -0.3 } as const;
/** A cart's quantity is uniform on 1..QUANTITY_MAX. */
export const QUANTITY_MAX = 3;
export const MEAN_QUANTITY = (1 + QUANTITY_MAX) / 2;

/** Delays in ms, each uniform on [min, max); a session continues after each view with probability `sessionContinue`. */
export const FUNNEL_TIMING = {
  clickAfterView: { min: 1_000, max: 30_000 },
  cartAfterClick: { min: 5_000, max: 60_000 },
  purchaseAfterCart: { min: 10_000, max: 120_000 },
  nextViewAfterView: { min: 5_000, max: 60_000 },
  sessionContinue: 0.75,
} as const;

/** The longest time from a view to the purchase it leads to. */
export const MAX_VIEW_TO_PURCHASE_MS = FUNNEL_TIMING.clickAfterView.max + FUNNEL_TIMING.cartAfterClick.max + FUNNEL_TIMING.purchaseAfterCart.max;

/** The true models evaluated on a world, with the item and user terms precomputed. */
export class TrueModel {
  /** Per item: the click logit without user terms. */
  readonly itemClickLogit: Float64Array;
  /** Per item: P(cart | click) for ordinary users and for high-value users. */
  readonly itemCartProbability: [Float64Array, Float64Array];
  /** Per item: the purchase logit without user terms. */
  readonly itemPurchaseLogit: Float64Array;
  /** Per user: the click logit's user terms, and the purchase logit's user terms. */
  readonly userClickLogit: Float64Array;
  readonly userPurchaseLogit: Float64Array;

  constructor(readonly world: EcommerceWorld) {
    const N = world.items;
    this.itemClickLogit = new Float64Array(N);
    this.itemCartProbability = [new Float64Array(N), new Float64Array(N)];
    this.itemPurchaseLogit = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const quality = world.itemQuality[i]!;
      const logPrice = Math.log(world.itemPrice[i]! / 20);
      this.itemClickLogit[i] = CLICK_MODEL.intercept + CLICK_MODEL.quality * quality + CLICK_MODEL.logPriceOver20 * logPrice;
      const cart = CART_MODEL.intercept + CART_MODEL.quality * quality + CART_MODEL.logPriceOver20 * logPrice;
      this.itemCartProbability[0][i] = sigmoid(cart);
      this.itemCartProbability[1][i] = sigmoid(cart + CART_MODEL.highValue);
      this.itemPurchaseLogit[i] = PURCHASE_MODEL.intercept + PURCHASE_MODEL.logPriceOver20 * logPrice;
    }
    const U = world.users;
    this.userClickLogit = new Float64Array(U);
    this.userPurchaseLogit = new Float64Array(U);
    for (let u = 0; u < U; u++) {
      const high = world.highValue[u]!;
      this.userClickLogit[u] = CLICK_MODEL.engagement * world.engagement[u]! + CLICK_MODEL.highValue * high;
      this.userPurchaseLogit[u] = PURCHASE_MODEL.engagement * world.engagement[u]! + PURCHASE_MODEL.highValue * high;
    }
  }

  /** logit P(click | view) of user u viewing item i, with a click log-odds shift from the variants u uses. */
  clickLogit(u: number, i: number, shift = 0): number {
    const favourite = this.world.itemCategory[i] === this.world.favourite[u] ? CLICK_MODEL.favouriteCategory : 0;
    return this.itemClickLogit[i]! + this.userClickLogit[u]! + favourite + shift;
  }

  /** P(click | view). */
  clickProbability(u: number, i: number, shift = 0): number {
    return sigmoid(this.clickLogit(u, i, shift));
  }

  /** P(cart | click). */
  cartProbability(u: number, i: number): number {
    return this.itemCartProbability[this.world.highValue[u]!]![i]!;
  }

  /** P(purchase | cart), with a conversion log-odds shift from the variants u uses. */
  purchaseProbability(u: number, i: number, shift = 0): number {
    return sigmoid(this.itemPurchaseLogit[i]! + this.userPurchaseLogit[u]! + shift);
  }

  /** P(purchase | view): the whole funnel. */
  conversionProbability(u: number, i: number, clickShift = 0, conversionShift = 0): number {
    return this.clickProbability(u, i, clickShift) * this.cartProbability(u, i) * this.purchaseProbability(u, i, conversionShift);
  }

  /** Expected revenue of one view (price paid times quantity, summed over the purchase it may lead to). */
  expectedRevenue(u: number, i: number, clickShift = 0, conversionShift = 0, revenueMultiplier = 1): number {
    return this.conversionProbability(u, i, clickShift, conversionShift) * this.world.itemPrice[i]! * revenueMultiplier * MEAN_QUANTITY;
  }
}
