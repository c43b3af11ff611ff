/**
 * The `personalData` setting of a source step: which fields of its records are personal and of what kind (phone,
 * email or text), the environment variable holding the HMAC key, and the region phone numbers without a country
 * code are read in. The key is read when the source is created (on every thread that reads it); a missing or short
 * key stops the job before it opens its state, naming the step and the variable, never the value.
 */
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export type PersonalKind = 'phone' | 'email' | 'text';

export interface PersonalDataSettings {
  fields: Array<{ field: string; kind: PersonalKind }>;
  keyEnv: string;
  defaultRegion: string;
}

export interface ResolvedPersonalData extends PersonalDataSettings {
  key: Buffer;
}

/** Fewest bytes of key accepted: 128 bits. */
export const MIN_KEY_BYTES = 16;

export const personalDataSchema = {
  type: 'object',
  description: 'fields hashed with a keyed HMAC as the source reads them, before anything else sees the record',
  additionalProperties: false,
  required: ['fields'],
  properties: {
    fields: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'kind'],
        properties: { field: { type: 'string', minLength: 1 }, kind: { enum: ['phone', 'email', 'text'] } },
      },
    },
    keyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'FLYWHEEL_PII_KEY' },
    defaultRegion: { type: 'string', pattern: '^[A-Z]{2}$', default: 'US' },
  },
} as const;

export function resolvePersonalData(settings: unknown, stepId: string, env: NodeJS.ProcessEnv = process.env): ResolvedPersonalData {
  const resolved = structuredClone(settings) as PersonalDataSettings;
  const problem = validateAgainst(personalDataSchema, resolved);
  if (problem) {
    const path = `personalData${problem.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
    throw new FlywheelError(ErrorCodes.CONFIG_INVALID, `${path}: ${problem.message}`, { stepId }, 'see personalData in docs/identity.md');
  }
  const text = env[resolved.keyEnv];
  if (text === undefined || Buffer.byteLength(text) < MIN_KEY_BYTES) {
    throw new FlywheelError(
      ErrorCodes.CONFIG_INVALID,
      `the HMAC key for personal data in the environment variable ${resolved.keyEnv} is ${text === undefined ? 'not set' : `shorter than ${MIN_KEY_BYTES} bytes`}`,
      { stepId },
      `set ${resolved.keyEnv} to a secret of at least ${MIN_KEY_BYTES} bytes (e.g. 32 random bytes in hex); keep it: a new key gives every person new hashes`,
    );
  }
  return { ...resolved, key: Buffer.from(text) };
}
