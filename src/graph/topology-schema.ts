/**
 * JSON schemas of a topology file: the top level, the run settings, the keys every step has, and the keys of the
 * structural steps (source, sink, keyBy, union). Operator steps add their own config schema from the operator
 * registry, and connectors their options schema from the connector registry. `topologyJsonSchema()` assembles all
 * of it into one schema for editors (topologies/topology.schema.json).
 */
import { type SchemaOptions, Type } from '@sinclair/typebox';
import { operatorKinds, operatorType } from '../operators/registry.js';
import { sinkType, sinkTypes, sourceType, sourceTypes } from '../connectors/registry.js';
import { MAX_DURATION_MS, MAX_TIMER_MS } from '../core/durations.js';
import { personalDataSchema } from '../connectors/personal-data/personal-data-options.js';

const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';

/** Worker threads yield to the query endpoint when cores are busy, unless a topology says otherwise. */
export const DEFAULT_WORKER_NICENESS = 10;

/** One of a few strings, as JSON Schema's `enum` (what error messages and editors expect), typed as their union. */
function oneOf<T extends string>(values: readonly T[], options: SchemaOptions = {}) {
  return Type.Unsafe<T>({ enum: values, ...options });
}

/** A duration as written: milliseconds or a `5s`-style string (the validator's `duration` keyword makes it ms). */
function duration(max: number, options: SchemaOptions = {}) {
  return Type.Unsafe<number | string>({ duration: max, ...options });
}

/** A token of the query endpoint, known by its hash only (query/access-policy.ts). */
export const accessTokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, description: 'names the token in 403 answers' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the token, lower-case hex (never the token itself)' }),
    role: oneOf(['viewer', 'operator', 'admin'] as const, { description: 'viewer reads every route; operator also changes things; admin everything' }),
  },
  { additionalProperties: false },
);

/**
 * The run settings (a topology's `runtime:` section, the `runtime` option of run()): a TypeBox schema, so the
 * section's TypeScript type (RuntimeSection) is read from it. Its JSON is what the validator and editors get.
 */
export const runtimeSchema = Type.Object(
  {
    workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
    slots: Type.Optional(Type.Integer({ minimum: 1, maximum: 32768, default: 16 })),
    placement: Type.Optional(oneOf(['any', 'pinned'] as const, { default: 'any' })),
    intake: Type.Optional(
      oneOf(['main', 'workers'] as const, {
        default: 'main',
        description:
          'where sources are read and the steps before the first keyBy run: the main thread, or the worker threads for sources that any thread can read (generators)',
      }),
    ),
    workerNiceness: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 19,
        default: DEFAULT_WORKER_NICENESS,
        description:
          'scheduling niceness of the worker threads (Linux): above 0 they yield the CPU to the query endpoint and the main thread when cores are busy',
      }),
    ),
    stateDir: Type.Optional(Type.String({ minLength: 1 })),
    http: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 0, maximum: 65535 }),
          host: Type.Optional(Type.String({ minLength: 1, maxLength: 253, default: '127.0.0.1' })),
          keepServing: Type.Optional(
            Type.Boolean({
              default: false,
              description:
                'once every source is read to its end and applied, keep answering queries over the final state until the process is stopped, instead of exiting',
            }),
          ),
          isolation: Type.Optional(
            oneOf(['thread', 'process'] as const, {
              description:
                "where the query endpoint runs: a thread of the job's process (the default with one endpoint), or child processes of their own (their own heap and memory map; the default with more than one)",
            }),
          ),
          processes: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 64,
              default: 1,
              description:
                'endpoint processes sharing the port, each with its own read-only state handle: more than one when one saturates its core (not with isolation: thread)',
            }),
          ),
          access: Type.Optional(
            Type.Object(
              {
                tokens: Type.Optional(Type.Array(accessTokenSchema, { default: [] })),
                tokensFile: Type.Optional(
                  Type.String({
                    minLength: 1,
                    description:
                      "a YAML or JSON file holding more tokens (a list like `tokens`), relative to the topology's directory; name it through an environment variable: tokensFile: ${TOKENS_FILE}",
                  }),
                ),
                allowAnonymous: Type.Optional(
                  Type.Boolean({
                    default: false,
                    description: 'serve without tokens on a host other than loopback (anyone who reaches the port may read the state)',
                  }),
                ),
                openMetrics: Type.Optional(Type.Boolean({ default: false, description: '/metrics needs no token (it needs role viewer otherwise)' })),
              },
              {
                description:
                  "who may call the endpoint's routes: bearer tokens with roles (docs/access.md); with none, only a loopback host is allowed unless allowAnonymous is true",
                additionalProperties: false,
                default: {},
              },
            ),
          ),
          tls: Type.Optional(
            Type.Object(
              { cert: Type.String({ minLength: 1 }), key: Type.String({ minLength: 1 }) },
              {
                description: "serve HTTPS with this PEM certificate (chain) and private key, paths relative to the topology's directory",
                additionalProperties: false,
              },
            ),
          ),
        },
        {
          // Child processes can share a port; threads of one process cannot.
          if: { properties: { processes: { type: 'integer', minimum: 2 } }, required: ['processes'] },
          // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
          then: { properties: { isolation: { const: 'process' } } },
          additionalProperties: false,
        },
      ),
    ),
    batch: Type.Optional(
      Type.Object(
        {
          maxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 8192 })),
          maxDelay: Type.Optional(duration(MAX_TIMER_MS, { default: 5 })),
        },
        { additionalProperties: false, default: {} },
      ),
    ),
    statusInterval: Type.Optional(duration(MAX_TIMER_MS, { default: 5000 })),
    stopTimeout: Type.Optional(duration(MAX_TIMER_MS, { default: 10000 })),
    commitInterval: Type.Optional(
      duration(MAX_TIMER_MS, {
        default: 100,
        description:
          'longest a pinned slot applies records before it commits them (state, timers, source positions and outputs in one LMDB transaction); outputs leave after their commit. 0 commits every batch',
      }),
    ),
    stateCacheMiB: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_048_576,
        default: 256,
        description:
          'per worker thread: estimated MiB of state that pinned slots keep in memory between batches; past it, the least recently used state not changed since the last commit is evicted',
      }),
    ),
  },
  { additionalProperties: false, default: {} },
);

export const topLevelSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: ID_PATTERN },
    keyGroups: { type: 'integer', minimum: 1, maximum: 32768, default: 128 },
    deadLetter: { type: 'string', pattern: ID_PATTERN },
    runtime: runtimeSchema,
    secrets: {
      type: 'object',
      description:
        'which settings are never shown (besides keys naming a credential and sasl.*/ssl.* settings): values from environment variables, further keys',
      properties: { environment: { type: 'boolean', default: false }, keys: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1 } } },
      additionalProperties: false,
    },
    steps: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', properties: { id: { type: 'string', pattern: ID_PATTERN }, op: { type: 'string' } }, required: ['id', 'op'] },
    },
  },
  required: ['name', 'steps'],
  additionalProperties: false,
} as const;

/** Keys every step may have, besides its kind's own. */
export const COMMON_STEP_KEYS = ['id', 'op', 'from', 'onError'] as const;

export const commonStepSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    op: { type: 'string' },
    from: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    onError: { enum: ['fail', 'skip', 'deadLetter'], default: 'fail' },
  },
} as const;

export const eventTimeSchema = {
  type: 'object',
  properties: {
    field: { type: 'string', minLength: 1 },
    maxOutOfOrderness: { duration: true, default: 0 },
    idleTimeout: { duration: MAX_TIMER_MS, default: 10_000 },
    maxAhead: { duration: true },
    notBefore: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$' },
  },
  additionalProperties: false,
  default: {},
} as const;

const connectorSchema = { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] } as const;

/** Own keys of the structural step kinds. */
export const structuralSchemas: Record<string, object> = {
  source: {
    type: 'object',
    properties: { connector: connectorSchema, eventTime: eventTimeSchema, personalData: personalDataSchema },
    required: ['connector'],
    additionalProperties: false,
  },
  sink: { type: 'object', properties: { connector: connectorSchema }, required: ['connector'], additionalProperties: false },
  keyBy: {
    type: 'object',
    properties: { field: { type: 'string', minLength: 1 }, fn: { type: 'string', minLength: 1 } },
    additionalProperties: false,
  },
  union: { type: 'object', properties: {}, additionalProperties: false },
};

export const STRUCTURAL_OPS = Object.keys(structuralSchemas);

export function allOps(): string[] {
  return [...STRUCTURAL_OPS, ...operatorKinds()];
}

/** One schema of the whole file, for editors; each step's keys are checked by its `op`. */
export function topologyJsonSchema(): object {
  const connector = (types: string[], options: (t: string) => object | undefined) => ({
    oneOf: types.map((t) => {
      const o = options(t) as { properties?: object; required?: string[] };
      return {
        type: 'object',
        properties: { type: { const: t }, ...(o.properties ?? {}) },
        required: ['type', ...(o.required ?? [])],
        additionalProperties: false,
      };
    }),
  });
  const stepVariants = allOps().map((op) => {
    const own = (
      op === 'source'
        ? {
            properties: {
              connector: connector(sourceTypes(), (t) => sourceType(t)?.optionsSchema),
              eventTime: eventTimeSchema,
              personalData: personalDataSchema,
            },
          }
        : op === 'sink'
          ? { properties: { connector: connector(sinkTypes(), (t) => sinkType(t)?.optionsSchema) } }
          : (structuralSchemas[op] ?? operatorType(op)!.configSchema)
    ) as { properties?: object };
    return {
      if: { properties: { op: { const: op } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable
      then: { properties: { ...commonStepSchema.properties, op: { const: op }, ...(own.properties ?? {}) }, additionalProperties: false },
    };
  });
  return editorDurations({
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Flywheel topology',
    ...topLevelSchema,
    properties: {
      ...topLevelSchema.properties,
      steps: { type: 'array', minItems: 1, items: { type: 'object', required: ['id', 'op'], properties: { op: { enum: allOps() } }, allOf: stepVariants } },
    },
  }) as object;
}

/** Editors do not know the loader's `duration` keyword: spell it out as "a number of ms or a 5s-style string". */
function editorDurations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(editorDurations);
  if (node === null || typeof node !== 'object') return node;
  const { duration, ...rest } = node as Record<string, unknown>;
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, editorDurations(v)]));
  if (duration === undefined) return out;
  const maximum = typeof duration === 'number' ? duration : MAX_DURATION_MS;
  return {
    anyOf: [
      { type: 'number', minimum: 0, maximum },
      { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$' },
    ],
    ...out,
  };
}
