/**
 * Command-line flags: parsed with node:util parseArgs (unknown flags and missing values refused) and checked against
 * the same schema rules as the topology settings they override (`--workers` as runtime.workers, `--port` as
 * runtime.http.port, `--state` as runtime.stateDir), before anything is loaded or started.
 */
import { parseArgs } from 'node:util';
import { runtimeSchema } from './graph/topology-schema.js';
import { validateAgainst } from './graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from './core/errors.js';

/** The flags a command may take; each validated by its runtime setting's schema where it has one. */
const FLAG_SCHEMAS: Record<string, object> = {
  workers: runtimeSchema.properties.workers,
  port: runtimeSchema.properties.http.properties.port,
  state: runtimeSchema.properties.stateDir,
  out: { type: 'string', minLength: 1 },
};

export interface ParsedFlags {
  positionals: string[];
  values: Record<string, string | number | undefined>;
}

export function parseFlags(args: string[], flags: ReadonlyArray<keyof typeof FLAG_SCHEMAS>, usage: string): ParsedFlags {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(args, flags),
      options: Object.fromEntries(flags.map((f) => [f, { type: 'string' as const }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new FlywheelError(ErrorCodes.CONFIG_INVALID, (err as Error).message, {}, `usage: flywheel ${usage}`);
  }
  const values: ParsedFlags['values'] = {};
  for (const flag of flags) {
    const given = parsed.values[flag] as string | undefined;
    if (given === undefined) continue;
    // A whole number written in decimal is a number; anything else stays text, which an integer rule then refuses.
    const value = /^[+-]?\d+$/.test(given.trim()) ? Number(given) : given;
    const problem = validateAgainst(FLAG_SCHEMAS[flag]!, value);
    if (problem) throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `--${flag} ${JSON.stringify(given)}: ${problem.message}`, {}, `usage: flywheel ${usage}`);
    values[flag] = value;
  }
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
