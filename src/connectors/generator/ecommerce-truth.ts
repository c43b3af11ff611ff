/**
 * The known ground truth behind the synthetic e-commerce events, in one object: who users and items are, the true
 * click and conversion models as they act on each user (with the variants the user experiences), how each user was
 * assigned or chose a variant (with the self-selection propensity and compliance), and each experiment's exact
 * population effects. `truth(options)` builds it from the same options as the generator; ids in events are
 * `u<n>` and `i<n>`, and every method here takes the number n.
 */
import { ExperimentPlan, SELECTION_MODEL } from './ecommerce-experiments.js';
import { experimentTruth, type ExperimentTruth } from './ecommerce-effects.js';
import { CART_MODEL, CLICK_MODEL, FUNNEL_TIMING, PURCHASE_MODEL, QUANTITY_MAX, TrueModel } from './ecommerce-model.js';
import { resolveEcommerceOptions, type EcommerceOptions } from './ecommerce-options.js';
import { DEVICES, EcommerceWorld } from './ecommerce-world.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { FaultPlan } from './ecommerce-faults.js';
import { IdentityPlan } from './ecommerce-identity.js';

export interface UserTruth {
  favouriteCategory: number;
  engagement: number;
  highValue: boolean;
  tenureDays: number;
  pastSpend: number;
  preClicks: number;
  device: string;
}

export interface ItemTruth {
  category: number;
  quality: number;
  price: number;
}

export interface AssignmentTruth {
  variant: string;
  /** Whether the user uses the assigned variant (control always counts as used). */
  used: boolean;
  /** Whether the user would use a non-control variant if assigned one. */
  complier: boolean;
  /** Observational only: the probability that this user chooses the treatment. */
  propensity: number | null;
}

/** The coefficients of every true model, for documentation and for tests. */
export const MODELS = {
  click: CLICK_MODEL,
  cart: CART_MODEL,
  purchase: PURCHASE_MODEL,
  selection: SELECTION_MODEL,
  quantityMax: QUANTITY_MAX,
  timing: FUNNEL_TIMING,
} as const;

export class EcommerceTruth {
  readonly world: EcommerceWorld;
  readonly model: TrueModel;
  readonly plan: ExperimentPlan;
  /** Who is behind each identifier (with the `identity` option), else null. */
  readonly identity: IdentityPlan | null;
  /** Which faults are drawn where (with the `faults` option), else null. */
  readonly faults: FaultPlan | null;
  private readonly experimentTruths = new Map<string, ExperimentTruth>();

  constructor(readonly options: EcommerceOptions) {
    this.world = new EcommerceWorld(options);
    this.model = new TrueModel(this.world);
    this.plan = new ExperimentPlan(this.world, options.experiments, options.seed);
    this.identity = options.identity ? new IdentityPlan(options.identity, options.seed) : null;
    this.faults = options.faults ? new FaultPlan(options.faults, options.seed) : null;
  }

  user(u: number): UserTruth {
    const w = this.world;
    return {
      favouriteCategory: w.favourite[u]!,
      engagement: w.engagement[u]!,
      highValue: w.highValue[u] === 1,
      tenureDays: w.tenureDays[u]!,
      pastSpend: w.pastSpend[u]!,
      preClicks: w.preClicks[u]!,
      device: DEVICES[w.device[u]!]!,
    };
  }

  item(i: number): ItemTruth {
    return { category: this.world.itemCategory[i]!, quality: this.world.itemQuality[i]!, price: this.world.itemPrice[i]! };
  }

  /** P(click | view) of user u viewing item i, with the variants u experiences. */
  clickProbability(u: number, i: number): number {
    return this.model.clickProbability(u, i, this.plan.clickShift[u]);
  }

  /** P(cart | click). */
  cartProbability(u: number, i: number): number {
    return this.model.cartProbability(u, i);
  }

  /** P(purchase | cart), with the variants u experiences. */
  purchaseProbability(u: number, i: number): number {
    return this.model.purchaseProbability(u, i, this.plan.conversionShift[u]);
  }

  /** P(purchase | view), with the variants u experiences. */
  conversionProbability(u: number, i: number): number {
    return this.model.conversionProbability(u, i, this.plan.clickShift[u], this.plan.conversionShift[u]);
  }

  /** The price user u pays per unit of item i (list price times the revenue multiplier of u's variants). */
  pricePaid(u: number, i: number): number {
    return Math.round(this.world.itemPrice[i]! * this.plan.revenueMultiplier[u]! * 100) / 100;
  }

  /** The probability that one view of user u shows item i. */
  viewProbability(u: number, i: number): number {
    return this.world.viewProbability(u, i);
  }

  assignment(u: number, experimentId: string): AssignmentTruth {
    const e = this.experimentIndex(experimentId);
    const a = this.plan.assignments[e]!;
    return {
      variant: a.option.variants[a.variant[u]!]!.name,
      used: this.plan.used(e, u),
      complier: a.complier[u] === 1,
      propensity: a.propensity ? a.propensity[u]! : null,
    };
  }

  /** The true probability that user u chooses the treatment of an observational experiment. */
  selectionPropensity(u: number, experimentId: string): number {
    const a = this.plan.assignments[this.experimentIndex(experimentId)]!;
    if (!a.propensity)
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `experiment '${experimentId}' is randomized: it has no self-selection propensity`,
        {},
        'ask for the propensity of an experiment with randomized: false',
      );
    return a.propensity[u]!;
  }

  /** The exact population truth of an experiment (computed on first use: users x items x variants steps). */
  experiment(experimentId: string): ExperimentTruth {
    let t = this.experimentTruths.get(experimentId);
    if (!t) this.experimentTruths.set(experimentId, (t = experimentTruth(this.model, this.plan, this.experimentIndex(experimentId))));
    return t;
  }

  private experimentIndex(experimentId: string): number {
    const e = this.options.experiments.findIndex((x) => x.id === experimentId);
    if (e < 0)
      throw new FlywheelError(
        ErrorCodes.CONFIG_INVALID,
        `no experiment '${experimentId}'`,
        {},
        `configured experiments: ${this.options.experiments.map((x) => x.id).join(', ') || 'none'}`,
      );
    return e;
  }
}

/** The ground truth of the generator with these options (defaults filled in as the generator does). */
export function truth(options: Partial<EcommerceOptions> = {}): EcommerceTruth {
  return new EcommerceTruth(resolveEcommerceOptions(options));
}
