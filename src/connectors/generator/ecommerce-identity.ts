/**
 * Who is behind the generator's identifiers, when the `identity` option is on. Each user of the world is a person:
 * - a share `accountShare` of persons have an account (`a<u>`) and 1 to `maxDevices` devices (`d<u>x<j>`); the
 *   others have one device and never log in;
 * - a device carries a cookie that is replaced every `cookieLifetime` ms of event time (`c<u>x<j>x<epoch>`);
 * - the first session on each of a person's devices is logged in (the account id rides on its events), later ones
 *   with probability `loginShare`; logins are what link a person's devices. With `firstSessionLogin: false` the
 *   first session is logged in with that probability too, so a person browses logged out under a device id until a
 *   login merges it (a device may then never be seen logged in);
 * - a share `phoneShare` of account holders have a phone number, carried on the cart and purchase events of their
 *   logged-in sessions, written in one of three formats;
 * - persons form households of `householdSize` consecutive users; a share `sharedDeviceShare` of households own a
 *   shared device (`ds<h>`), on which an account holder of the household spends `sharedSessionShare` of sessions,
 *   always logged in and without a cookie. A shared device belongs to no single person.
 * Every choice is a hash of (seed, stream, ids), so it never consumes the simulation's random stream: the shopping
 * itself is the same with or without identities. `personOf` is the truth the identity tests score against.
 */
import { hash32, uniform } from '../../core/seeded-random.js';

export interface IdentityOptions {
  accountShare: number;
  maxDevices: number;
  loginShare: number;
  phoneShare: number;
  householdSize: number;
  sharedDeviceShare: number;
  sharedSessionShare: number;
  cookieLifetime: number;
  /** The first session on each device is logged in (default true). */
  firstSessionLogin?: boolean;
}

const fraction = (value: number) => ({ type: 'number', minimum: 0, maximum: 1, default: value });

export const identityOptionsSchema = {
  type: 'object',
  properties: {
    accountShare: fraction(0.8),
    maxDevices: { type: 'integer', minimum: 1, maximum: 16, default: 3 },
    loginShare: fraction(0.3),
    phoneShare: fraction(0.6),
    householdSize: { type: 'integer', minimum: 1, maximum: 64, default: 3 },
    sharedDeviceShare: fraction(0.2),
    sharedSessionShare: fraction(0.1),
    cookieLifetime: { type: 'integer', minimum: 1, default: 7 * 86_400_000 },
    firstSessionLogin: { type: 'boolean', default: true },
  },
  additionalProperties: false,
} as const;

/** The identifier types the generator emits, each in its own event field. */
export const IDENTIFIER_FIELDS = { account: 'accountId', device: 'deviceId', cookie: 'cookieId', phone: 'phone' } as const;
export type IdentifierType = keyof typeof IDENTIFIER_FIELDS;

/** The national number of person 0's phone. */
const FIRST_PHONE = 2012000000;

/** The device slot of a session on the household's shared device. */
export const SHARED_DEVICE = -1;

const enum Stream {
  Account = 201,
  Devices,
  Phone,
  Household,
  SharedSession,
  DeviceChoice,
  Login,
  PhoneFormat,
}

/** The identifiers one event carries. */
export interface EventIdentifiers {
  accountId?: string;
  deviceId: string;
  cookieId?: string;
  phone?: string;
}

export class IdentityPlan {
  constructor(
    readonly options: IdentityOptions,
    private readonly seed: number,
  ) {}

  hasAccount(u: number): boolean {
    return uniform(this.seed, Stream.Account, u) < this.options.accountShare;
  }

  devices(u: number): number {
    return this.hasAccount(u) ? 1 + Math.floor(uniform(this.seed, Stream.Devices, u) * this.options.maxDevices) : 1;
  }

  hasPhone(u: number): boolean {
    return this.hasAccount(u) && uniform(this.seed, Stream.Phone, u) < this.options.phoneShare;
  }

  household(u: number): number {
    return Math.floor(u / this.options.householdSize);
  }

  householdHasSharedDevice(h: number): boolean {
    return uniform(this.seed, Stream.Household, h) < this.options.sharedDeviceShare;
  }

  /**
   * The device slot of session `session` of shard `shard` by user u (SHARED_DEVICE or 0..devices-1), and whether
   * the session is logged in; `firstOnDevice(slot)` says whether the person has not used that device before.
   */
  session(u: number, shard: number, session: number, firstOnDevice: (slot: number) => boolean): { slot: number; login: boolean } {
    const account = this.hasAccount(u);
    if (
      account &&
      this.householdHasSharedDevice(this.household(u)) &&
      uniform(this.seed, Stream.SharedSession, shard, session) < this.options.sharedSessionShare
    ) {
      return { slot: SHARED_DEVICE, login: true };
    }
    const slot = Math.floor(uniform(this.seed, Stream.DeviceChoice, shard, session) * this.devices(u));
    const firstLogin = this.options.firstSessionLogin !== false && firstOnDevice(slot);
    const login = account && (firstLogin || uniform(this.seed, Stream.Login, shard, session) < this.options.loginShare);
    return { slot, login };
  }

  /** The identifiers on an event of user u at `ts` in a session on device `slot`; `withPhone` on carts and purchases. */
  identifiers(u: number, slot: number, login: boolean, ts: number, withPhone: boolean): EventIdentifiers {
    const ids: EventIdentifiers =
      slot === SHARED_DEVICE
        ? { deviceId: `ds${this.household(u)}` }
        : { deviceId: `d${u}x${slot}`, cookieId: `c${u}x${slot}x${Math.floor(ts / this.options.cookieLifetime)}` };
    if (login) {
      ids.accountId = `a${u}`;
      if (withPhone && this.hasPhone(u)) ids.phone = this.phoneText(u, hash32(this.seed, Stream.PhoneFormat, ts));
    }
    return ids;
  }

  /**
   * The person's phone number, as digits with country code 1: a valid North American number (area code 201, an
   * exchange from 200 on), unique per person for u < 8 * 10^6.
   */
  static phoneDigits(u: number): string {
    return `1${FIRST_PHONE + u}`;
  }

  /** The number as a person might type it: E.164, national with punctuation, or dotted. */
  private phoneText(u: number, formatHash: number): string {
    const d = IdentityPlan.phoneDigits(u).slice(1);
    switch (formatHash % 3) {
      case 0:
        return `+1${d}`;
      case 1:
        return `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`;
      default:
        return `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`;
    }
  }

  /**
   * The person an identifier belongs to: the user number, 'shared' for a household's shared device, or undefined
   * for an identifier the generator never makes. Phones are looked up by their digits (any format).
   */
  personOf(type: IdentifierType, id: string): number | 'shared' | undefined {
    const number = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
    switch (type) {
      case 'account':
        return number(/^a(\d+)$/.exec(id)?.[1]);
      case 'device':
        return id.startsWith('ds') ? 'shared' : number(/^d(\d+)x\d+$/.exec(id)?.[1]);
      case 'cookie':
        return number(/^c(\d+)x\d+x\d+$/.exec(id)?.[1]);
      case 'phone': {
        const digits = id.replace(/\D/g, '');
        const national = Number(digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits.length === 10 ? digits : NaN);
        return national >= FIRST_PHONE && national < FIRST_PHONE + 8e6 ? national - FIRST_PHONE : undefined;
      }
    }
  }
}
