/**
 * Command-line flags: parsed with node:util parseArgs (unknown flags and missing values refused) and checked, before
 * anything is loaded or started, by one schema whose properties are the runtime settings' own (`--workers` is
 * runtime.workers, `--port` runtime.http.port, `--state` runtime.stateDir). The schema is TypeBox, so the flags'
 * TypeScript type comes from it: a command reads `flags.values.port` as a number without a cast.
 */
import { parseArgs } from 'node:util';
import { type Static, Type } from '@sinclair/typebox';
import { runtimeSchema } from './graph/topology-schema.js';
import { assertMatches } from './graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from './core/errors.js';

export const cliFlagsSchema = Type.Object(
  {
    workers: Type.Optional(runtimeSchema.properties.workers),
    port: Type.Optional(runtimeSchema.properties.http.properties.port),
    state: Type.Optional(runtimeSchema.properties.stateDir),
    out: Type.Optional(Type.String({ minLength: 1 })),
    brokers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: "brokers of the dev broker's mock cluster" })),
    topic: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'a topic to create, each given with its own --topic' })),
  },
  { additionalProperties: false },
);

export type CliFlags = Static<typeof cliFlagsSchema>;

/** Flags given once per value (`--topic a --topic b`). */
const REPEATABLE: ReadonlySet<string> = new Set(['topic']);
export type CliFlag = keyof CliFlags;

export interface ParsedFlags<F extends CliFlag> {
  positionals: string[];
  values: Pick<CliFlags, F>;
}

export function parseFlags<F extends CliFlag>(args: string[], flags: readonly F[], usage: string): ParsedFlags<F> {
  let parsed: { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, flags),
      options: Object.fromEntries(flags.map((f) => [f, { type: 'string' as const, multiple: REPEATABLE.has(f) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new FlywheelError(ErrorCodes.CONFIG_INVALID, (err as Error).message, {}, `usage: flywheel ${usage}`);
  }
  const given: Record<string, string | string[]> = {};
  const values: Record<string, string | number | string[]> = {};
  for (const flag of flags) {
    const text = parsed.values[flag];
    if (Array.isArray(text)) values[flag] = given[flag] = text;
    if (typeof text !== 'string') continue;
    given[flag] = text;
    // A whole number written in decimal is a number; anything else stays text, which an integer rule then refuses.
    values[flag] = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : text;
  }
  assertMatches(cliFlagsSchema, values, (problem) => {
    const [flag, index] = problem.path;
    const text = given[String(flag)];
    // A repeated flag's problem is with one of its values: the one shown.
    const shown = Array.isArray(text) ? text[Number(index)] : text;
    return new FlywheelError(ErrorCodes.CONFIG_INVALID, `--${flag} ${JSON.stringify(shown)}: ${problem.message}`, {}, `usage: flywheel ${usage}`);
  });
  return { positionals: parsed.positionals, values };
}

/** `--workers -1` is read as `--workers=-1`, so a negative number gets the setting's own message, not a parse error. */
function joinNegativeValues(args: string[], flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (flags.includes(args[i]!.slice(2)) && args[i]!.startsWith('--') && next !== undefined && /^-\d/.test(next)) out.push(`${args[i++]}=${next}`);
    else out.push(args[i]!);
  }
  return out;
}
