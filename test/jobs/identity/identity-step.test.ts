/**
 * The identity step on the operator harness: only the configured type pairs link, a component's id is its smallest
 * identifier in the configured order whatever the arrival order, merges go to the `merges` side output, the size
 * cap and the per-type limits refuse links (one shared device cannot merge a city), an event without identifiers is
 * a BAD_RECORD, bad options are refused naming the option, and with expireAfter stale identifiers are forgotten
 * the same way in a run restored midway as in a straight one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identity } from '../../../src/jobs/identity/processors.js';
import { IDENTITY_KEY, MERGES_PORT, type IdentityChangeEvent, type MergeEvent } from '../../../src/jobs/identity/identity-step.js';
import { OperatorHarness } from '../../harness/operator-harness.js';
import { ErrorCodes, FlywheelError } from '../../../src/core/errors.js';

const identifiers = [
  { type: 'account', field: 'accountId' },
  { type: 'device', field: 'deviceId' },
  { type: 'cookie', field: 'cookieId' },
];

function harness(extra: Record<string, unknown> = {}): OperatorHarness {
  return OperatorHarness.of(
    'process',
    {},
    {
      processor: identity({
        identifiers,
        links: [
          ['account', 'device'],
          ['device', 'cookie'],
        ],
        ...extra,
      }),
    },
  );
}

/** Pushes events in order; returns the unified id each one got. */
function push(h: OperatorHarness, events: Array<Record<string, unknown>>): string[] {
  const from = h.outputs.length;
  events.forEach((e, i) => h.processElement(IDENTITY_KEY, e, i));
  return h.outputs.slice(from).map((o) => (o.value as { unifiedId: string }).unifiedId);
}

test("only the configured pairs link; the unified id is the first present type's component", () => {
  const h = harness();
  const ids = push(h, [
    { deviceId: 'd1', cookieId: 'c1' },
    { accountId: 'a1', cookieId: 'c2' }, // account-cookie may not link
    { accountId: 'a1', deviceId: 'd1' },
    { deviceId: 'd2', cookieId: 'c2' },
  ]);
  assert.deepEqual(ids, ['device:d1', 'account:a1', 'account:a1', 'device:d2']);
  assert.deepEqual(
    h
      .sideOutput(MERGES_PORT)
      .map((o) => o.value as MergeEvent)
      .map(({ into, from, moved }) => ({ into, from, moved })),
    [
      { into: 'device:d1', from: 'cookie:c1', moved: ['cookie:c1'] },
      { into: 'account:a1', from: 'device:d1', moved: ['device:d1', 'cookie:c1'] },
      { into: 'device:d2', from: 'cookie:c2', moved: ['cookie:c2'] },
    ],
  );
  assert.deepEqual(push(h, [{ cookieId: 'c1' }, { cookieId: 'c2' }]), ['account:a1', 'device:d2']);
});

test('the component id does not depend on the arrival order', () => {
  const events = [
    { deviceId: 'd9', cookieId: 'c9' },
    { accountId: 'a5', deviceId: 'd9' },
    { deviceId: 'd3', cookieId: 'c1' },
    { accountId: 'a5', deviceId: 'd3' },
    { deviceId: 'd3', cookieId: 'c0' },
    { deviceId: 'd7' },
  ];
  const probe = ['c9', 'c1', 'c0'].map((c) => ({ cookieId: c }));
  let first: string[] | null = null;
  // Every rotation and the reversal of the events.
  const orders = [...events.map((_, k) => [...events.slice(k), ...events.slice(0, k)]), [...events].reverse()];
  for (const order of orders) {
    const h = harness();
    push(h, order);
    const ids = push(h, probe);
    first ??= ids;
    assert.deepEqual(ids, first);
  }
  assert.deepEqual(first, ['account:a5', 'account:a5', 'account:a5']);
});

test('the size cap bounds a component: a device shared by 40 accounts joins four of them', () => {
  const h = harness({ maxComponentSize: 5 });
  // One shared device logged into by 40 accounts.
  const ids = push(
    h,
    Array.from({ length: 40 }, (_, i) => ({ accountId: `a${String(i).padStart(2, '0')}`, deviceId: 'shared' })),
  );
  const sizes = new Map<string, number>();
  for (const id of ids) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  assert.deepEqual(ids.slice(0, 4), ['account:a00', 'account:a00', 'account:a00', 'account:a00'], 'the first four accounts join the device');
  assert.equal(ids[4], 'account:a04', 'the fifth would make six: refused, it stays alone');
  const merges = h.sideOutput(MERGES_PORT).length;
  assert.equal(merges, 4);
  assert.ok(ids.slice(4).every((id, k) => id === `account:a${String(k + 4).padStart(2, '0')}`));
});

test('a type limit keeps two accounts apart: a shared device joins the first account only', () => {
  const h = harness({ maxPerType: { account: 1 } });
  const ids = push(h, [
    { accountId: 'a2', deviceId: 'tablet' },
    { accountId: 'a1', deviceId: 'tablet' },
    { accountId: 'a1', deviceId: 'phone1' },
    { deviceId: 'phone1', cookieId: 'c1' },
    { deviceId: 'tablet' },
  ]);
  assert.deepEqual(ids, ['account:a2', 'account:a1', 'account:a1', 'account:a1', 'account:a2']);
});

test('an event without identifiers is a BAD_RECORD naming the fields', () => {
  const h = harness();
  assert.throws(
    () => h.processElement(IDENTITY_KEY, { accountId: '', other: 1 }, 0),
    (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.BAD_RECORD && /none of accountId, deviceId, cookieId/.test(e.message),
  );
});

test('options: unknown types in links or limits, self links and unknown keys are refused', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ identifiers, links: [['account', 'phone']] }, /with\.links\[0\] names the type 'phone'/],
    [{ identifiers, links: [['device', 'device']] }, /links 'device' to itself/],
    [{ identifiers, links: [], maxPerType: { email: 1 } }, /with\.maxPerType names the type 'email'/],
    [{ identifiers, links: [], cap: 3 }, /must NOT have additional properties|cap/],
  ];
  for (const [options, message] of bad) {
    assert.throws(
      () => identity(options),
      (e: unknown) => e instanceof FlywheelError && e.code === ErrorCodes.CONFIG_INVALID && message.test(e.message),
      JSON.stringify(options),
    );
  }
});

/** Pushes [event time, event] pairs in order; returns the unified id each one got. */
function pushAt(h: OperatorHarness, events: ReadonlyArray<[number, Record<string, unknown>]>): string[] {
  const from = h.outputs.length;
  for (const [ts, e] of events) h.processElement(IDENTITY_KEY, e, ts);
  return h.outputs.slice(from).map((o) => (o.value as { unifiedId: string }).unifiedId);
}

const changesOf = (h: OperatorHarness) => h.sideOutput(MERGES_PORT).map((o) => o.value as IdentityChangeEvent);

test('expireAfter: a stale identifier on an event starts afresh; stale members are forgotten when their component links, renaming it', () => {
  const h = harness({ expireAfter: '1s', maxPerType: { account: 1 } });
  // A device sold on: unseen for more than 1 s of event time, it leaves a1 and can join a2 despite the account limit.
  assert.deepEqual(
    pushAt(h, [
      [0, { accountId: 'a1', deviceId: 'd1' }],
      [100, { deviceId: 'd1', cookieId: 'c1' }],
      [5000, { accountId: 'a2', deviceId: 'd1' }],
      [5001, { deviceId: 'd1' }],
    ]),
    ['account:a1', 'account:a1', 'account:a2', 'account:a2'],
  );
  assert.deepEqual(changesOf(h).slice(2), [
    { type: 'expire', ts: 5000, seq: 3, id: 'device:d1', from: 'account:a1', into: 'account:a1' },
    { type: 'merge', ts: 5000, seq: 4, into: 'account:a2', from: 'device:d1', moved: ['device:d1'] },
  ]);
  // A late event (event time 100) does not move d1's last event time back: at 5900 d1 is fresh, stays with a2, and
  // the account limit keeps a9 apart.
  assert.deepEqual(
    pushAt(h, [
      [100, { deviceId: 'd1' }],
      [5900, { accountId: 'a9', deviceId: 'd1' }],
      [5901, { deviceId: 'd1' }],
    ]),
    ['account:a2', 'account:a9', 'account:a2'],
  );
  // a3 and c3 go unseen while d3 is seen: when d3's component links to c5, they are forgotten and the component is
  // renamed after d3, its smallest remaining member.
  const ids = pushAt(h, [
    [6000, { accountId: 'a3', deviceId: 'd3' }],
    [6010, { deviceId: 'd3', cookieId: 'c3' }],
    [6800, { deviceId: 'd3' }],
    [7500, { deviceId: 'd3', cookieId: 'c5' }],
    [7600, { accountId: 'a3' }],
    [7600, { cookieId: 'c3' }],
    [7600, { cookieId: 'c5' }],
  ]);
  assert.deepEqual(ids, ['account:a3', 'account:a3', 'account:a3', 'device:d3', 'account:a3', 'cookie:c3', 'device:d3']);
  assert.deepEqual(changesOf(h).slice(6), [
    // The record of a3, which named the component, lists the members that stay, now under d3.
    { type: 'expire', ts: 7500, seq: 7, id: 'account:a3', from: 'account:a3', into: 'device:d3', moved: ['device:d3'] },
    { type: 'expire', ts: 7500, seq: 8, id: 'cookie:c3', from: 'account:a3', into: 'device:d3' },
    { type: 'merge', ts: 7500, seq: 9, into: 'device:d3', from: 'cookie:c5', moved: ['cookie:c5'] },
  ]);
});

test('expireAfter: a run restored from a snapshot midway gives the same ids and changes as one straight run', () => {
  // Persons on shifting devices and cookies over 100 s of event time, expiry 5 s: many identifiers go stale.
  const events: Array<[number, Record<string, unknown>]> = [];
  for (let i = 0; i < 400; i++) {
    const person = (i * 7) % 23;
    events.push([i * 250, { accountId: i % 3 === 0 ? `a${person}` : undefined, deviceId: `d${person}x${(i >> 5) % 3}`, cookieId: `c${person}x${i >> 6}` }]);
  }
  const straight = harness({ expireAfter: '5s', maxComponentSize: 8 });
  const straightIds = pushAt(straight, events);
  const first = harness({ expireAfter: '5s', maxComponentSize: 8 });
  const firstIds = pushAt(first, events.slice(0, 173));
  const resumed = harness({ expireAfter: '5s', maxComponentSize: 8 });
  resumed.restore(first.snapshot());
  const resumedIds = pushAt(resumed, events.slice(173));
  assert.deepEqual([...firstIds, ...resumedIds], straightIds);
  assert.deepEqual([...changesOf(first), ...changesOf(resumed)], changesOf(straight));
  assert.ok(changesOf(straight).filter((c) => c.type === 'expire').length > 20, 'the stream makes identifiers go stale');
});
