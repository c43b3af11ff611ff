/**
 * Access to the query endpoint, route by route and role by role, through inject(): every route the app registers
 * (the built-in ones, those of the flywheel topology's steps, the experiment and quality routes, and two routes
 * that ask for operator and admin) must have its expected access here, so a route added without a rule fails. A
 * caller without a token, or with an unknown one, gets 401 with a Bearer challenge; a token below the route's role
 * gets 403 naming the role; an allowed caller gets exactly what the endpoint answers when no tokens are configured.
 * The ready-answer path (before fastify, on a real port) answers only viewer tokens too. A dead letter's record is
 * shown to an admin only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import type { ResolvedExperimentOptions } from '../../src/jobs/experiments/experiment-options.js';
import { experimentRoutes } from '../../src/jobs/experiments/experiment-routes.js';
import { userFeatures } from '../../src/jobs/features/processors.js';
import type { FeatureRecord } from '../../src/jobs/features/entity-state.js';
import { qualityRoutes } from '../../src/jobs/quality/quality-routes.js';
import { AccessPolicy, tokenHash, type AccessRole, type RouteAccess } from '../../src/query/access-policy.js';
import { buildQueryApp, type RouteContribution } from '../../src/query/app.js';
import type { RuntimeView } from '../../src/query/runtime-view.js';
import { startQueryServer } from '../../src/query/server.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import { MemoryStateReader } from './memory-state-reader.js';
import { RecentDeadLetters } from '../../src/runtime/recent-dead-letters.js';
import { deadLetterValue } from '../../src/runtime/dead-letter-payload.js';
import type { SinkRecord } from '../../src/connectors/connector.js';

/** What each route needs. A route the app serves that is not listed here fails the first test. */
const EXPECTED: Record<string, RouteAccess> = {
  'GET /healthz': 'open',
  'GET /readyz': 'open',
  // The console's page and files carry no data: the page sends the token it is given with each data request.
  'GET /': 'open',
  'GET /console/*': 'open',
  'GET /console/status': 'viewer',
  // The caller's token name and role, never the token or its hash.
  'GET /console/access': 'viewer',
  'GET /dead-letters': 'viewer',
  // One dead letter with its record: the input as it came, personal data and all.
  'GET /dead-letters/:id': 'admin',
  'GET /docs': 'viewer',
  'GET /metrics': 'viewer',
  'GET /topology': 'viewer',
  'GET /identity': 'viewer',
  'GET /identity/:type/:id': 'viewer',
  'GET /features/users/:id': 'viewer',
  'POST /features/users:batch': 'viewer',
  'GET /features/items/:id': 'viewer',
  'POST /features/items:batch': 'viewer',
  'GET /models': 'viewer',
  'GET /models/:model/calibration': 'viewer',
  'GET /models/:model/weights': 'viewer',
  // Scoring and deciding read state and change nothing (the scorer holds a read-only state reader).
  'POST /score': 'viewer',
  'GET /recommendations/:userId': 'viewer',
  'POST /decide': 'viewer',
  'GET /rules': 'viewer',
  'GET /experiments': 'viewer',
  'GET /experiments/:id': 'viewer',
  'GET /experiments/:id/history': 'viewer',
  'GET /quality': 'viewer',
  'GET /quality/:step': 'viewer',
  'POST /test/operate': 'operator',
  'GET /test/admin': 'admin',
};

/** Tokens of each role; the endpoint is given only their hashes. */
const TOKENS: Record<AccessRole, string> = { viewer: 'view-3b1f0c9e', operator: 'op-77d2e5aa', admin: 'adm-c40f918b' };
const RANK: Record<RouteAccess, number> = { open: 0, viewer: 1, operator: 2, admin: 3 };

/** Steps' routes that ask for more than viewer, as a step that changes things would. */
const guardedRoutes: RouteContribution = {
  stepId: 'test',
  routes: (app) => {
    app.post('/test/operate', { config: { access: 'operator' } }, async () => ({ done: true }));
    app.get('/test/admin', { config: { access: 'admin' } }, async () => ({ secret: 'payload' }));
  },
};

async function contributions(): Promise<RouteContribution[]> {
  const { graph } = await loadTopology(new URL('../../../topologies/flywheel.yaml', import.meta.url).pathname);
  const experiments = { experiments: new Map([['exp-1', {}]]), metrics: [{ name: 'ctr' }] } as unknown as ResolvedExperimentOptions;
  return [
    ...routeContributions(graph),
    { stepId: 'experiments', routes: experimentRoutes(experiments) },
    { stepId: 'quality', routes: qualityRoutes([], 'user') },
    guardedRoutes,
  ];
}

function view(state = new MemoryStateReader()): RuntimeView {
  const registry = new Registry();
  return {
    jobName: 'flywheel',
    live: () => true,
    readiness: () => ({ ready: true, reasons: [] }),
    topology: () => ({ name: 'flywheel' }),
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    state,
    registry,
  };
}

const policy = (openMetrics = false) =>
  new AccessPolicy(
    Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}-token`, sha256: tokenHash(token), role: role as AccessRole })),
    openMetrics,
  );

/** A request for a route: its parameters filled in, an empty JSON body for a POST. */
function request(route: string, authorization?: string) {
  const [method, path] = route.split(' ') as ['GET' | 'POST', string];
  const url = path.replace(/:[A-Za-z]+(?=\/|$)/g, 'u1').replace(/\*$/, 'app.js');
  return {
    method,
    url,
    headers: { ...(authorization ? { authorization } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { payload: '{}' } : {}),
  };
}

test('every route the endpoint registers answers each caller as its role allows: 200-as-unguarded, 401 or 403', async () => {
  const routes = await contributions();
  const open = buildQueryApp(view(), routes);
  const guarded = buildQueryApp(view(), routes, { access: policy() });
  try {
    const served = (await guarded.inject({ url: '/no-such-route', headers: { authorization: `Bearer ${TOKENS.admin}` } })).json().routes as string[];
    assert.deepEqual([...served].sort(), Object.keys(EXPECTED).sort(), 'every route served has an expected access, and every expected route is served');
    for (const route of served) {
      const needed = EXPECTED[route]!;
      const unguarded = await open.inject(request(route));
      for (const caller of ['none', 'unknown', 'viewer', 'operator', 'admin'] as const) {
        const authorization = caller === 'none' ? undefined : caller === 'unknown' ? 'Bearer not-a-token' : `Bearer ${TOKENS[caller]}`;
        const res = await guarded.inject(request(route, authorization));
        const label = `${route} as ${caller}`;
        if (needed === 'open' || (caller !== 'none' && caller !== 'unknown' && RANK[caller] >= RANK[needed])) {
          assert.equal(res.statusCode, unguarded.statusCode, label);
          assert.notEqual(res.statusCode, 401, label);
          assert.notEqual(res.statusCode, 403, label);
          // The status says when it was taken.
          if (route === 'GET /console/status') assert.deepEqual({ ...res.json<object>(), at: 0 }, { ...unguarded.json<object>(), at: 0 }, label);
          // Who the caller is differs with tokens: their name and role (unguarded, everything is open, as to an admin).
          else if (route === 'GET /console/access') {
            assert.deepEqual(unguarded.json(), { tokens: false, name: null, role: 'admin' }, label);
            assert.deepEqual(res.json(), { tokens: true, name: `${caller}-token`, role: caller }, label);
          } else if (route !== 'GET /metrics') assert.equal(res.body, unguarded.body, label);
        } else if (caller === 'none' || caller === 'unknown') {
          assert.equal(res.statusCode, 401, `${label}: ${res.body}`);
          assert.match(res.headers['www-authenticate'] as string, /^Bearer realm="flywheel"/, label);
          assert.match(
            res.json().message,
            caller === 'none' ? /needs a token: send the header 'Authorization: Bearer <token>'/ : /not one of this endpoint's tokens/,
            label,
          );
        } else {
          assert.equal(res.statusCode, 403, `${label}: ${res.body}`);
          assert.equal(res.json().message, `${route} needs role ${needed} or above; token '${caller}-token' has role ${caller}`, label);
        }
        assert.ok(!res.body.includes(TOKENS.admin) && !res.body.includes(tokenHash(TOKENS.admin)), `${label} shows no token or hash`);
      }
    }
  } finally {
    await open.close();
    await guarded.close();
  }
});

test('an unknown route needs a token before its 404 lists the routes; /metrics can be opened for a scraper', async () => {
  const app = buildQueryApp(view(), [], { access: policy(true) });
  try {
    assert.equal((await app.inject('/no-such-route')).statusCode, 401);
    assert.equal((await app.inject({ url: '/no-such-route', headers: { authorization: `Bearer ${TOKENS.viewer}` } })).statusCode, 404);
    assert.equal((await app.inject('/metrics')).statusCode, 200);
    assert.equal((await app.inject('/topology')).statusCode, 401);
    // Another scheme is no bearer token.
    const basic = await app.inject({ url: '/topology', headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.admin}`).toString('base64')}` } });
    assert.equal(basic.statusCode, 401);
  } finally {
    await app.close();
  }
});

function featureRecord(id: string): FeatureRecord {
  const window = { view: 4, click: 1, ctr: 0.25, gmv: 12.5, averageOrderValue: null };
  return {
    entity: 'user',
    id,
    asOf: 60_000,
    features: {
      current: { firstSeen: 1000, lastSeen: 59_999, activityRate: 0.25, activityRateLong: 0.125, trend: 2 },
      windows: { '1h': window, lifetime: window },
    },
  };
}

test('the ready-answer path, before fastify on a real port, answers a viewer and leaves others to the 401', async () => {
  const state = new MemoryStateReader().setValue('user-features', 'u1', 'features', featureRecord('u1'));
  const app: FastifyInstance = buildQueryApp(view(state), [{ stepId: 'user-features', routes: userFeatures().queryRoutes }], { access: policy() });
  const server = await startQueryServer(app, 0);
  try {
    const anonymous = await fetch(`${server.url}/features/users/u1`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate')!, /^Bearer/);
    const wrong = await fetch(`${server.url}/features/users/u1`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const viewer = await fetch(`${server.url}/features/users/u1`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    assert.equal(viewer.status, 200);
    assert.equal(((await viewer.json()) as { id: string }).id, 'u1');
  } finally {
    await server.close();
  }
});

test("a dead letter's record reaches an admin only: a viewer's pages of dead letters, status and docs never carry it", async () => {
  const recent = new RecentDeadLetters();
  const written: SinkRecord[][] = [];
  const sink = recent.tap({
    id: 'dead-letters',
    destination: 'memory',
    open: async () => {},
    write: async (records) => void written.push([...records]),
    close: async () => {},
  });
  const payload = '{"userId":"alice@example.com","card":"4111-1111"}';
  const origin = { reason: 'not JSON: the payload is cut short', step: 'events', source: 'events', partition: 2, offset: 41 };
  await sink.write([{ id: 'dl-1', key: null, value: deadLetterValue(origin, payload, undefined), timestamp: 1000 }]);
  assert.equal(written.length, 1, 'the tapped sink still writes to the real one');
  const app = buildQueryApp({ ...view(), deadLetters: async (query) => recent.page(query) }, [], { access: policy() });
  try {
    const as = (role: AccessRole, url: string) => app.inject({ url, headers: { authorization: `Bearer ${TOKENS[role]}` } });
    const listed = await as('viewer', '/dead-letters');
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json().items.map((d: { id: string; reason: string; offset: number }) => [d.id, d.reason, d.offset]),
      [['dl-1', origin.reason, 41]],
    );
    for (const url of ['/dead-letters', '/dead-letters?limit=200', '/console/status', '/docs']) {
      for (const role of ['viewer', 'operator'] as const) assert.ok(!(await as(role, url)).body.includes('alice'), `${url} as ${role} shows no record`);
    }
    assert.equal((await as('viewer', '/dead-letters/dl-1')).statusCode, 403);
    assert.equal((await as('operator', '/dead-letters/dl-1')).statusCode, 403);
    const admin = await as('admin', '/dead-letters/dl-1');
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.json().record, payload);
    assert.equal((await as('admin', '/dead-letters/nope')).statusCode, 404);
  } finally {
    await app.close();
  }
});
