/**
 * GET /console/access through inject(): each token learns its own name and role (and nothing of another token's),
 * without tokens the endpoint says every route is open; the token and its hash are never in the answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessPolicy, tokenHash, type AccessRole } from '../../../src/query/access-policy.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { MemoryStateReader, viewOfState } from '../memory-state-reader.js';

const view = viewOfState(new MemoryStateReader());

const TOKENS: Record<AccessRole, string> = { viewer: 'v-81c2d0', operator: 'o-4aa91e', admin: 'a-0b77f3' };

test("GET /console/access answers the caller's token name and role, or that nothing is checked", async () => {
  const open = buildQueryApp(view);
  const guarded = buildQueryApp(view, [], {
    access: new AccessPolicy(Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}s`, sha256: tokenHash(token), role: role as AccessRole }))),
  });
  try {
    assert.deepEqual((await open.inject('/console/access')).json(), { tokens: false, name: null, role: 'admin' });
    assert.equal((await guarded.inject('/console/access')).statusCode, 401);
    for (const [role, token] of Object.entries(TOKENS)) {
      const res = await guarded.inject({ url: '/console/access', headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(res.json(), { tokens: true, name: `${role}s`, role });
      for (const secret of [...Object.values(TOKENS), ...Object.values(TOKENS).map(tokenHash)])
        assert.ok(!res.body.includes(secret), `${role}: no token or hash`);
    }
  } finally {
    await open.close();
    await guarded.close();
  }
});
