/**
 * The generator's persons and faults: identities do not change the shopping (the same events as without them, user
 * by user), every identifier belongs to the person the truth says, each device of an account holder is seen logged
 * in (so logins can link it), shared devices are used by several persons of a household, only logged in; phones come
 * in several formats of one number; faults land at their configured rates, the ledger counts exactly what the
 * records show, and a restart from an offset gives the same faults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ecommerceEvents, ecommerceShardEvents, injectedFaults } from '../../../src/connectors/generator/generator-source.js';
import type { EcommerceEvent } from '../../../src/connectors/generator/ecommerce-events.js';
import { FAULT_KINDS, UNKNOWN_DEVICE } from '../../../src/connectors/generator/ecommerce-faults.js';
import { IdentityPlan } from '../../../src/connectors/generator/ecommerce-identity.js';
import { resolveEcommerceOptions, type EcommerceOptions } from '../../../src/connectors/generator/ecommerce-options.js';

const base: Partial<EcommerceOptions> = { seed: 11, users: 600, items: 200, categories: 8, partitions: 3, count: 30_000, eventsPerSecondOfEventTime: 50 };
const identity = {
  accountShare: 0.7,
  maxDevices: 3,
  loginShare: 0.25,
  phoneShare: 0.5,
  householdSize: 3,
  sharedDeviceShare: 0.3,
  sharedSessionShare: 0.15,
  cookieLifetime: 3_600_000,
};
const plain = [...ecommerceEvents(base)] as EcommerceEvent[];
const withIds = [...ecommerceEvents({ ...base, identity })] as EcommerceEvent[];
const plan = new IdentityPlan(resolveEcommerceOptions({ ...base, identity }).identity!, 11);
/** The person behind event k: its userId without identities (`u<n>`). */
const personAt = (k: number) => Number(plain[k]!.userId.slice(1));

test('identities leave the shopping as it was: same events, same order, only ids added', () => {
  assert.equal(withIds.length, plain.length);
  withIds.forEach((e, k) => {
    const { accountId, deviceId, cookieId, phone, userId, ...rest } = e;
    const { userId: _u, ...want } = plain[k]!;
    assert.deepEqual(rest, want, `event ${k}`);
    assert.equal(userId, accountId ?? cookieId, `event ${k}: userId is the account when logged in, else the cookie`);
    assert.ok(deviceId, `event ${k} has a device id`);
  });
});

test('every identifier belongs to the person the truth names; shared devices to no one', () => {
  const sharedUsers = new Map<string, Set<number>>();
  withIds.forEach((e, k) => {
    const person = personAt(k);
    for (const [type, id] of [
      ['account', e.accountId],
      ['cookie', e.cookieId],
      ['phone', e.phone],
    ] as const) {
      if (id !== undefined) assert.equal(plan.personOf(type, id), person, `${type} ${id} of event ${k}`);
    }
    const device = plan.personOf('device', e.deviceId!);
    if (device === 'shared') {
      assert.ok(e.accountId !== undefined && e.cookieId === undefined, 'a shared device is used logged in, without a cookie');
      assert.equal(e.deviceId, `ds${plan.household(person)}`);
      sharedUsers.set(e.deviceId!, (sharedUsers.get(e.deviceId!) ?? new Set()).add(person));
    } else {
      assert.equal(device, person, `device ${e.deviceId} of event ${k}`);
    }
  });
  const sharedByMany = [...sharedUsers.values()].filter((s) => s.size >= 2).length;
  assert.ok(sharedByMany >= 10, `shared devices used by two or more persons: ${sharedByMany}`);
});

test('each device of an account holder is seen logged in; persons without an account have one device', () => {
  const devices = new Map<number, Set<string>>();
  const loggedIn = new Set<string>();
  withIds.forEach((e, k) => {
    const person = personAt(k);
    devices.set(person, (devices.get(person) ?? new Set()).add(e.deviceId!));
    if (e.accountId !== undefined) loggedIn.add(e.deviceId!);
  });
  let multi = 0;
  for (const [person, seen] of devices) {
    const own = [...seen].filter((d) => !d.startsWith('ds'));
    if (plan.hasAccount(person)) for (const d of own) assert.ok(loggedIn.has(d), `device ${d} of person ${person} is never logged in`);
    else assert.equal(own.length, 1, `person ${person} has no account and one device`);
    if (own.length > 1) multi++;
  }
  assert.ok(multi >= 100, `persons seen on several devices of their own: ${multi}`);
});

test('phones: one number per person, written in three formats', () => {
  const formats = new Set<string>();
  for (const e of withIds) {
    if (e.phone === undefined) continue;
    formats.add(e.phone.replace(/\d/g, '9'));
    assert.ok(e.type === 'cart' || e.type === 'purchase', 'phones ride on carts and purchases');
  }
  assert.deepEqual([...formats].sort(), ['(999) 999-9999', '+99999999999', '999.999.9999']);
});

test('faults: the ledger counts what the records show, at the configured rates, the same after a restart', () => {
  const faults = { negativePrice: 0.02, unknownDevice: 0.01, missingSessionId: 0.015, sessionIdAsNumber: 0.005, duplicate: 0.01 };
  const options = { ...base, badFraction: 0.01, faults };
  const isEvent = (r: unknown): r is EcommerceEvent =>
    typeof (r as EcommerceEvent).type === 'string' && typeof (r as EcommerceEvent).ts === 'number' && typeof (r as EcommerceEvent).userId === 'string';
  const events = [...ecommerceEvents(options)].filter(isEvent);
  // A copy is a record equal to the one before it in its partition (two distinct events never are: ts or item differ).
  let copies = 0;
  for (let p = 0; p < base.partitions!; p++) {
    const records = [...ecommerceShardEvents(options, p)];
    records.forEach((r, k) => k > 0 && isEvent(r) && JSON.stringify(r) === JSON.stringify(records[k - 1]) && copies++);
  }
  const seen = {
    negativePrice: events.filter((e) => e.type !== 'exposure' && e.price < 0).length,
    unknownDevice: events.filter((e) => e.device === UNKNOWN_DEVICE).length,
    missingSessionId: events.filter((e) => !('sessionId' in e)).length,
    sessionIdAsNumber: events.filter((e) => typeof e.sessionId === 'number').length,
    duplicate: copies,
  };
  const ledger = injectedFaults(options);
  assert.deepEqual(ledger, seen);
  // Rates: a fault is drawn for a share of all records and applies to the good ones (item events only for a
  // price); 4.5 binomial standard deviations keeps a false failure below 1e-5 per kind.
  const items = events.filter((e) => e.type !== 'exposure').length;
  for (const kind of FAULT_KINDS) {
    const eligible = kind === 'negativePrice' ? items : events.length;
    const p = faults[kind];
    const sd = Math.sqrt(eligible * p * (1 - p));
    assert.ok(Math.abs(ledger[kind] - eligible * p) <= 4.5 * sd, `${kind}: ${ledger[kind]} of ${eligible}, expected ${eligible * p}`);
  }
  const tail = [...ecommerceShardEvents(options, 1, 3333)];
  const full = [...ecommerceShardEvents(options, 1)].slice(3333);
  assert.deepEqual(tail, full, 'a restart from an offset draws the same faults');
});
