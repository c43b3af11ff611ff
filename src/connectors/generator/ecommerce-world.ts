/**
 * The population behind the synthetic e-commerce events: users (favourite category, engagement, high-value flag,
 * tenure, past spend, pre-period clicks, usual device) and items (category, quality, list price), each a pure
 * function of the seed and the id, held in typed arrays. Also how a view picks its item: a session browses one
 * category (the user's favourite with probability SESSION_FAVOURITE, else a uniform one) and each view takes an item
 * of that category with probability VIEW_IN_CATEGORY, else any item.
 */
import { normal, poissonQuantile, uniform } from '../../core/seeded-random.js';

export interface WorldOptions {
  seed: number;
  users: number;
  items: number;
  categories: number;
}

export const DEVICES = ['web', 'ios', 'android'] as const;
/** Probability that a session browses the user's favourite category. */
export const SESSION_FAVOURITE = 0.5;
/** Probability that a view stays inside the session's category (else any item). */
export const VIEW_IN_CATEGORY = 0.8;
/** Share of high-value users. */
export const HIGH_VALUE_SHARE = 0.2;
/** Mean pre-period (30-day) click count of a user of engagement 0; it scales by exp(0.6 engagement). */
export const PRE_CLICKS_MEAN = 8;

/** Hash streams, one per attribute, so attributes are independent draws. */
const enum Stream {
  Favourite = 1,
  HighValue,
  Engagement,
  Tenure,
  PastSpend,
  PreClicks,
  Device,
  Category,
  Quality,
  Price,
}

export class EcommerceWorld {
  readonly users: number;
  readonly items: number;
  readonly categories: number;
  readonly favourite: Int32Array;
  /** Standardized engagement score (normal 0, 1), observed as a covariate. */
  readonly engagement: Float64Array;
  readonly highValue: Uint8Array;
  readonly tenureDays: Int32Array;
  readonly pastSpend: Float64Array;
  readonly preClicks: Int32Array;
  readonly device: Uint8Array;
  readonly itemCategory: Int32Array;
  readonly itemQuality: Float64Array;
  readonly itemPrice: Float64Array;
  /** Items grouped by category: the items of category c are categoryItems[categoryStart[c] .. categoryStart[c + 1]). */
  readonly categoryStart: Int32Array;
  readonly categoryItems: Int32Array;
  /** How many categories hold no item. */
  readonly emptyCategories: number;
  /** Id strings built on first use (filled arrays, so lookups stay on the fast path). */
  private readonly userIds: Array<string | undefined>;
  private readonly itemIds: Array<string | undefined>;

  constructor(readonly options: WorldOptions) {
    const { seed, users, items, categories } = options;
    this.users = users;
    this.items = items;
    this.categories = categories;
    this.favourite = new Int32Array(users);
    this.engagement = new Float64Array(users);
    this.highValue = new Uint8Array(users);
    this.tenureDays = new Int32Array(users);
    this.pastSpend = new Float64Array(users);
    this.preClicks = new Int32Array(users);
    this.device = new Uint8Array(users);
    for (let u = 0; u < users; u++) {
      const engagement = normal(seed, Stream.Engagement, u);
      const high = uniform(seed, Stream.HighValue, u) < HIGH_VALUE_SHARE ? 1 : 0;
      this.favourite[u] = Math.floor(uniform(seed, Stream.Favourite, u) * categories);
      this.engagement[u] = engagement;
      this.highValue[u] = high;
      this.tenureDays[u] = Math.floor(uniform(seed, Stream.Tenure, u) * 1000);
      this.pastSpend[u] = Math.round(Math.exp(4 + high + 0.3 * engagement + 0.7 * normal(seed, Stream.PastSpend, u)) * 100) / 100;
      this.preClicks[u] = poissonQuantile(uniform(seed, Stream.PreClicks, u), PRE_CLICKS_MEAN * Math.exp(0.6 * engagement));
      this.device[u] = Math.floor(uniform(seed, Stream.Device, u) * DEVICES.length);
    }
    this.itemCategory = new Int32Array(items);
    this.itemQuality = new Float64Array(items);
    this.itemPrice = new Float64Array(items);
    const counts = new Int32Array(categories);
    for (let i = 0; i < items; i++) {
      const c = Math.floor(uniform(seed, Stream.Category, i) * categories);
      this.itemCategory[i] = c;
      this.itemQuality[i] = normal(seed, Stream.Quality, i);
      this.itemPrice[i] = Math.max(0.5, Math.round(Math.exp(3 + 0.8 * normal(seed, Stream.Price, i)) * 100) / 100);
      counts[c]!++;
    }
    this.categoryStart = new Int32Array(categories + 1);
    for (let c = 0; c < categories; c++) this.categoryStart[c + 1] = this.categoryStart[c]! + counts[c]!;
    this.categoryItems = new Int32Array(items);
    const fill = this.categoryStart.slice(0, categories);
    for (let i = 0; i < items; i++) this.categoryItems[fill[this.itemCategory[i]!]!++] = i;
    this.emptyCategories = counts.filter((n) => n === 0).length;
    this.userIds = new Array<string | undefined>(users).fill(undefined);
    this.itemIds = new Array<string | undefined>(items).fill(undefined);
  }

  itemsIn(category: number): number {
    return this.categoryStart[category + 1]! - this.categoryStart[category]!;
  }

  userId(u: number): string {
    return (this.userIds[u] ??= `u${u}`);
  }

  itemId(i: number): string {
    return (this.itemIds[i] ??= `i${i}`);
  }

  /**
   * The probability that one view of user u shows item i (the marginal over the session's category and the view's
   * choice, as the stream draws them; a category without items sends its share to a uniform pick).
   */
  viewProbability(u: number, i: number): number {
    const c = this.itemCategory[i]!;
    return this.uniformViewShare(u) / this.items + (VIEW_IN_CATEGORY * this.sessionCategoryProbability(this.favourite[u]!, c)) / this.itemsIn(c);
  }

  /** The share of user u's views that pick an item uniformly from all items. */
  uniformViewShare(u: number): number {
    const favouriteIsEmpty = this.itemsIn(this.favourite[u]!) === 0 ? 1 : 0;
    const emptySession = ((1 - SESSION_FAVOURITE) * this.emptyCategories) / this.categories + SESSION_FAVOURITE * favouriteIsEmpty;
    return 1 - VIEW_IN_CATEGORY + VIEW_IN_CATEGORY * emptySession;
  }

  /** The probability that a session of a user with this favourite category browses category c. */
  sessionCategoryProbability(favourite: number, c: number): number {
    return (c === favourite ? SESSION_FAVOURITE : 0) + (1 - SESSION_FAVOURITE) / this.categories;
  }
}
