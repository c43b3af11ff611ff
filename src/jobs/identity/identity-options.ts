/**
 * Options of the identity step (its `with:`): which event fields hold identifiers of which type (in priority order:
 * the first type present in an event names its unified id, and components are named by the smallest identifier in
 * that order), which pairs of types may link when seen on one event, the largest component allowed, the most
 * identifiers of one type a component may hold, the field the unified id is written to, and optionally how long in
 * event time an identifier may go unseen before it is forgotten (`expireAfter`, identity-expiry.ts).
 */
import { ErrorCodes, FlywheelError } from '../../core/errors.js';
import { checkedStepOptions } from '../model/step-options.js';

export interface IdentifierSpec {
  type: string;
  field: string;
}

export interface IdentityOptions {
  identifiers: IdentifierSpec[];
  links: Array<[string, string]>;
  maxComponentSize: number;
  maxPerType: Record<string, number>;
  output: string;
  /** Milliseconds of event time. */
  expireAfter?: number;
}

export interface ResolvedIdentityOptions extends IdentityOptions {
  /** Type name -> its rank in `identifiers` (the canonical order). */
  rank: ReadonlyMap<string, number>;
}

const name = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' } as const;

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['identifiers', 'links'],
  properties: {
    identifiers: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      items: { type: 'object', additionalProperties: false, required: ['type', 'field'], properties: { type: name, field: { type: 'string', minLength: 1 } } },
    },
    links: { type: 'array', items: { type: 'array', minItems: 2, maxItems: 2, items: name } },
    maxComponentSize: { type: 'integer', minimum: 2, maximum: 100_000, default: 200 },
    maxPerType: { type: 'object', additionalProperties: { type: 'integer', minimum: 1 }, default: {} },
    output: { type: 'string', minLength: 1, default: 'unifiedId' },
    expireAfter: { duration: true },
  },
} as const;

function invalid(message: string, hint: string): never {
  throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `identity step options: ${message}`, {}, hint);
}

export function resolveIdentityOptions(options: unknown): ResolvedIdentityOptions {
  const resolved = checkedStepOptions<IdentityOptions>(schema, options, 'identity step', 'docs/identity.md');
  const rank = new Map(resolved.identifiers.map((s, i) => [s.type, i]));
  if (rank.size !== resolved.identifiers.length) invalid('with.identifiers names a type twice', 'list each identifier type once');
  const known = (t: string, where: string) =>
    rank.has(t) || invalid(`${where} names the type '${t}', which is not under identifiers`, `use one of: ${[...rank.keys()].join(', ')}`);
  resolved.links.forEach(([a, b], i) => {
    known(a, `with.links[${i}]`);
    known(b, `with.links[${i}]`);
    if (a === b) invalid(`with.links[${i}] links '${a}' to itself`, 'an event carries one identifier per type, so a type cannot link to itself');
  });
  for (const t of Object.keys(resolved.maxPerType)) known(t, 'with.maxPerType');
  return { ...resolved, rank };
}
