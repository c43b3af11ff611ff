/**
 * Property-based fuzzing (fast-check) of what outside input reaches first: the source decoders (JSON, msgpack and
 * text payloads, JSON-lines files read from any resume position) and the query endpoint's routes (the built-in
 * ones and every route the shipped flywheel topology contributes, through fastify's inject). Each property runs for
 * a bounded time (FUZZ_SECONDS, default 2 per property), with a seed printed on failure to replay it.
 * Properties: a decoder never throws; a value it gives is within the record limits (so it can cross threads and
 * be encoded by a sink); a limit it reports is really broken (checked against an independent recursive count); a
 * dead letter of any bytes encodes and gives the bytes back; no request makes a route fail (5xx other than a 503
 * with an FW_ERR_ code, which routes use to say a model is not published yet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { decodeRecord } from '../../src/connectors/record-decode.js';
import { DEFAULT_RECORD_LIMITS, type RecordLimits } from '../../src/connectors/record-limits.js';
import { fileSourceType } from '../../src/connectors/file/file-source.js';
import { deadLetterRecordField } from '../../src/runtime/dead-letter-payload.js';
import { buildQueryApp } from '../../src/query/app.js';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { routeContributions } from '../../src/runtime/route-contributions.js';
import type { RuntimeView } from '../../src/query/runtime-view.js';
import { Registry } from 'prom-client';
import { MemoryStateReader } from '../query/memory-state-reader.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 2);
/** Bounded by time, not runs: as many runs as fit (numRuns is only a ceiling). */
const budget = { interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false, numRuns: 1_000_000 };
const packr = new Packr({ useRecords: false });

/** Depth and key count by plain recursion: an oracle independent of the iterative checks under test. */
function shape(value: unknown, depth = 1): { depth: number; keys: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, keys: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = depth;
  let keys = Array.isArray(value) ? 0 : children.length;
  for (const c of children) {
    const s = shape(c, depth + 1);
    deepest = Math.max(deepest, s.depth);
    keys += s.keys;
  }
  return { depth: deepest, keys };
}

const small: RecordLimits = { maxDepth: 6, maxKeys: 20 };

/** JSON texts with nesting around the small limits, strings with brackets, colons and escapes in them. */
const jsonText = fc.oneof(
  fc.json({ depthSize: 'medium' }),
  fc.jsonValue({ depthSize: 'large' }).map((v) => JSON.stringify(v)),
  fc
    .tuple(fc.nat(12), fc.constantFrom('[', '{"a":', '{"[":'), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ':', '"', '\\', 'a', ',') }))
    .map(([n, open, tail]) => open.repeat(n) + tail),
);

test('JSON decoding never throws; a value is within the limits; a limit reported is really broken', () => {
  fc.assert(
    fc.property(jsonText, (text) => {
      const decoded = decodeRecord(Buffer.from(text), 'json', small);
      let parsed: unknown;
      let parses = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        parses = false;
      }
      if ('value' in decoded) {
        assert.ok(parses);
        const s = shape(decoded.value);
        assert.ok(s.depth <= small.maxDepth && s.keys <= small.maxKeys, `${text} gave a value beyond the limits`);
        packr.pack(decoded.value);
      } else if (/^record limit/.test(decoded.error) && parses) {
        // fc's JSON has no repeated keys, so the count on the bytes is the count on the value.
        const s = shape(parsed);
        assert.ok(s.depth > small.maxDepth || s.keys > small.maxKeys, `${text}: ${decoded.error}, but depth ${s.depth}, keys ${s.keys}`);
      } else {
        assert.ok(!parses || /^record limit/.test(decoded.error), `${text}: ${decoded.error}`);
      }
    }),
    budget,
  );
});

test('any bytes, in every format: decoding never throws, a value stays within the default limits, a dead letter of them encodes and gives them back', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue().map((v) => packr.pack(v)),
    fc.nat(5000).map((n) => Buffer.from([...Array(n).fill(0x91), 0xc0])),
  );
  fc.assert(
    fc.property(bytes, fc.constantFrom('json', 'msgpack', 'string') as fc.Arbitrary<'json' | 'msgpack' | 'string'>, (raw, format) => {
      const buffer = Buffer.from(raw);
      const decoded = decodeRecord(buffer, format, DEFAULT_RECORD_LIMITS);
      if ('value' in decoded) {
        const s = shape(decoded.value);
        assert.ok(s.depth <= DEFAULT_RECORD_LIMITS.maxDepth && s.keys <= DEFAULT_RECORD_LIMITS.maxKeys);
      }
      const field = JSON.parse(JSON.stringify(deadLetterRecordField(buffer, undefined))) as { record: string; recordEncoding?: string };
      // Compared by content: msgpackr leaves a property of its own on a buffer it decoded.
      assert.ok(Buffer.from(field.record, field.recordEncoding === 'base64' ? 'base64' : 'utf8').equals(buffer));
    }),
    budget,
  );
});

test('a JSON-lines file of any content, resumed at any position, reads whole lines only and never throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-fuzz-file-'));
  const path = join(dir, 'in.jsonl');
  const line = fc.oneof(fc.json(), fc.string(), fc.constantFrom('', '\r', '  ', '[[[[[[[[', '{"a":1}\r'));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 12 }), fc.boolean(), fc.nat(), async (lines, trailing, at) => {
        const text = Buffer.from(lines.join('\n') + (trailing ? '\n' : ''));
        writeFileSync(path, text);
        const starts = [0];
        for (let i = 0; i < text.length; i++) if (text[i] === 10) starts.push(i + 1);
        const next = text.length === 0 ? 0 : at % (text.length + 2);
        const source = fileSourceType.create({ path, format: 'json', maxDepth: 4, maxKeys: 10 }, { jobName: 'fuzz', baseDir: '/', stepId: 'events' });
        await source.open({ startOffsets: new Map([[0, next]]) });
        const offsets: number[] = [];
        while (!source.finished()) for (const r of await source.poll(100)) offsets.push(r.offset);
        await source.close();
        const appliedStart = next === 0 ? -1 : Math.max(...starts.filter((s) => s <= next - 1));
        for (const o of offsets) assert.ok(starts.includes(o) && o > appliedStart, `offset ${o} read after resuming at ${next}`);
      }),
      budget,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no request makes a query route answer 5xx (built-in routes and those of the flywheel topology)', async () => {
  const { graph } = await loadTopology(new URL('../../../topologies/flywheel.yaml', import.meta.url).pathname);
  const registry = new Registry();
  const state = new MemoryStateReader();
  const view: RuntimeView = {
    jobName: graph.name,
    live: () => true,
    readiness: () => ({ ready: true, reasons: [] }),
    topology: () => ({}),
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
    state,
    registry,
  };
  const app = buildQueryApp(view, routeContributions(graph));
  await app.ready();
  const paths = [
    '/healthz',
    '/readyz',
    '/metrics',
    '/topology',
    '/features/users/',
    '/features/items/',
    '/models',
    '/score',
    '/decide',
    '/recommendations/',
    '/experiments',
    '/experiments/',
    '/latest/',
    '/identity',
    '/identity/account/',
    '/identity/',
  ];
  const segment = fc.oneof(fc.string(), fc.webSegment(), fc.constantFrom('%', '%00', '..', '__proto__', 'constructor', '%E0%A4%A', 'x'.repeat(2000)));
  const query = fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => `?${q}`),
    fc.constantFrom('?k=1e400', '?k=-1', '?k=abc', '?model=__proto__', '?fields=a&fields=b', '?metric[]=x'),
  );
  const body = fc.oneof(
    fc.constant(undefined),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string(),
    fc.constantFrom('{"ids":[]}', '{"userId":"u1","items":["i1"]}', '{"__proto__":{"x":1}}', '{"ids":' + '['.repeat(5000) + ']'.repeat(5000) + '}'),
  );
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.constantFrom(...paths),
        segment,
        query,
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', ''),
        async (method, path, seg, q, payload, contentType) => {
          const url = `${path}${path.endsWith('/') ? encodeURIComponent(seg) : ''}${q}`;
          const res = await app.inject({
            method: method as 'GET',
            url,
            ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload, headers: contentType ? { 'content-type': contentType } : {} }),
          });
          // 503 with a code is an answer (a model not published yet), not a failure; any other 5xx is.
          // A HEAD answer has no body: its GET says which it was.
          const body = method === 'HEAD' && res.statusCode === 503 ? (await app.inject({ method: 'GET', url })).body : res.body;
          const answered = res.statusCode < 500 || (res.statusCode === 503 && /^FW_ERR_/.test((JSON.parse(body) as { code?: string }).code ?? ''));
          assert.ok(answered, `${method} ${url} ${payload ?? ''} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
        },
      ),
      budget,
    );
  } finally {
    await app.close();
  }
});
