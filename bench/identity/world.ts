/** The generated persons and the identity options the identity benchmark runs with (the job's and the plain loop's). */
import type { EcommerceOptions } from '../../src/connectors/generator/ecommerce-options.js';

export interface IdentityWorld {
  users: number;
  events: number;
}

export function generatorOptions(w: IdentityWorld): Partial<EcommerceOptions> {
  return {
    seed: 17,
    users: w.users,
    items: 2_000,
    categories: 20,
    partitions: 4,
    count: w.events,
    eventsPerSecondOfEventTime: 500,
    identity: {
      accountShare: 0.8,
      maxDevices: 3,
      loginShare: 0.3,
      phoneShare: 0.6,
      householdSize: 3,
      sharedDeviceShare: 0.2,
      sharedSessionShare: 0.1,
      cookieLifetime: 3_600_000,
    },
  };
}

export const identityOptions = {
  identifiers: [
    { type: 'account', field: 'accountId' },
    { type: 'phone', field: 'phone' },
    { type: 'device', field: 'deviceId' },
    { type: 'cookie', field: 'cookieId' },
  ],
  links: [
    ['account', 'device'],
    ['account', 'phone'],
    ['device', 'cookie'],
  ] as Array<[string, string]>,
  maxComponentSize: 200,
  maxPerType: { account: 1 },
};
