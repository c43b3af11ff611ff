/**
 * GET /rules through inject(): the flywheel topology's model step (serving POST /decide with
 * topologies/rules/marketing.yaml) and a contact step loading the same file list it once, with both steps; a second
 * file is listed apart. Each decision rule shows its expressions as the YAML has them (read here with the yaml
 * package, not the loader), each contact rule its setting and what it means in words (written out by hand here from
 * docs/actions.md). The route is in the OpenAPI document with its answer's schema, and answers a viewer token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadTopology } from '../../../src/graph/yaml-loader.js';
import { contactRules } from '../../../src/jobs/actions/processors.js';
import type { RulesAnswer } from '../../../src/jobs/scoring/rules-route.js';
import { AccessPolicy, tokenHash } from '../../../src/query/access-policy.js';
import { buildQueryApp } from '../../../src/query/app.js';
import { routeContributions } from '../../../src/runtime/route-contributions.js';
import { MemoryStateReader, viewOfState } from '../../query/memory-state-reader.js';

const MARKETING = 'topologies/rules/marketing.yaml';
const VIEWER = 'rules-viewer-1f3e';

const view = viewOfState(new MemoryStateReader());

test('GET /rules lists each rules file once with the steps that use it, its decision rules as written and its contact rules in words', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-rules-route-'));
  const other = join(dir, 'daytime.yaml');
  writeFileSync(
    other,
    [
      'inputs: [user]',
      'decision: { action: nudge }',
      'rules: []',
      'contact:',
      '  timeZoneField: tz',
      '  defaultTimeZone: Europe/Berlin',
      '  rules:',
      '    - { id: one-a-day, maxPerWindow: { count: 1, window: 1d } }',
      '    - { id: lunch, channels: [push], quietHours: { from: "12:00", to: "13:30" } }',
    ].join('\n'),
  );
  const { graph } = await loadTopology(new URL('../../../../topologies/flywheel.yaml', import.meta.url).pathname);
  const app = buildQueryApp(
    view,
    [
      ...routeContributions(graph),
      { stepId: 'contact', routes: contactRules({ rules: MARKETING }).queryRoutes },
      { stepId: 'daytime-contact', routes: contactRules({ rules: other }).queryRoutes },
    ],
    { access: new AccessPolicy([{ name: 'dashboards', sha256: tokenHash(VIEWER), role: 'viewer' }]) },
  );
  try {
    assert.equal((await app.inject('/rules')).statusCode, 401);
    const res = await app.inject({ url: '/rules', headers: { authorization: `Bearer ${VIEWER}` } });
    assert.equal(res.statusCode, 200, res.body);
    const { files } = res.json<RulesAnswer>();
    assert.deepEqual(
      files.map((f) => [f.file, f.steps]),
      [
        [
          MARKETING,
          [
            { step: 'model', use: 'decisions' },
            { step: 'contact', use: 'contact' },
          ],
        ],
        [other, [{ step: 'daytime-contact', use: 'contact' }]],
      ],
    );

    const written = parse(readFileSync(MARKETING, 'utf8')) as {
      decision: { action: string; threshold: number; offer: Record<string, unknown> };
      constants: Record<string, unknown>;
      rules: Array<{ id: string; description?: string; when: string; reject?: string; adjust?: { score?: string; offer?: Record<string, string> } }>;
    };
    const marketing = files[0]!;
    assert.deepEqual(marketing.decision, written.decision);
    assert.deepEqual(marketing.constants, written.constants);
    assert.deepEqual(
      marketing.rules,
      written.rules.map((r) => ({
        id: r.id,
        description: r.description ?? null,
        kind: r.reject === undefined ? 'adjust' : 'reject',
        when: r.when,
        reject: r.reject ?? null,
        score: r.adjust?.score ?? null,
        offer: r.adjust?.offer ?? {},
      })),
    );
    assert.deepEqual(marketing.contact, {
      timeZoneField: 'timeZone',
      defaultTimeZone: 'UTC',
      rules: [
        {
          id: 'one-a-week',
          description: 'never contact a user twice within a week',
          kind: 'minGap',
          channels: null,
          setting: '7d',
          meaning:
            'No message less than 7d before or after another one that was sent, on any channel, counting sends on every channel; an action that would break it is suppressed.',
        },
        {
          id: 'four-a-month',
          description: null,
          kind: 'maxPerWindow',
          channels: null,
          setting: '4 in 30d',
          meaning:
            'At most 4 messages in any rolling 30d (no calendar weeks, no reset at midnight), on any channel, counting sends on every channel; an action that would be one too many is suppressed.',
        },
        {
          id: 'quiet-nights',
          description: "no sms or push at night in the user's time zone",
          kind: 'quietHours',
          channels: ['sms', 'push'],
          setting: '21:00-08:00',
          meaning:
            "No message from 21:00 to 08:00 (across midnight) in the user's local time (the action's timeZone field, else UTC), on sms, push only (actions on other channels are neither judged nor counted by this rule); an action in those hours is suppressed, not delayed.",
        },
      ],
    });
    assert.deepEqual(
      files[1]!.contact!.rules.map((r) => [r.setting, r.meaning]),
      [
        [
          '1 in 1d',
          'At most 1 message in any rolling 1d (no calendar weeks, no reset at midnight), on any channel, counting sends on every channel; an action that would be one too many is suppressed.',
        ],
        [
          '12:00-13:30',
          "No message from 12:00 to 13:30 in the user's local time (the action's tz field, else Europe/Berlin), on push only (actions on other channels are neither judged nor counted by this rule); an action in those hours is suppressed, not delayed.",
        ],
      ],
    );
    assert.ok(!res.body.includes(VIEWER) && !res.body.includes(tokenHash(VIEWER)), 'no token or hash in the answer');

    const docs = (await app.inject({ url: '/docs', headers: { authorization: `Bearer ${VIEWER}` } })).json<{
      paths: Record<string, { get?: { summary?: string; description?: string; responses?: Record<string, { content?: unknown }> } }>;
    }>();
    const route = docs.paths['/rules']?.get;
    assert.match(route?.summary ?? '', /rules files in force/);
    assert.match(route?.description ?? '', /Access: role viewer or above/);
    assert.ok(route?.responses?.['200']?.content, 'the answer has a schema in the OpenAPI document');
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
