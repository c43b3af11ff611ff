/**
 * Which settings of a topology are secret, and their redaction wherever a job shows its configuration or writes
 * text: GET /topology, `flywheel describe`, log lines and error messages. A setting is secret when its key names a
 * credential (a word password, passwd, secret, token, credential(s), apikey, authorization or cookie, or a last word `key`: `apiKey`,
 * `ssl.key.pem`), when it is a SASL or SSL setting (`sasl.*`, `ssl.*`), when the topology lists its key under
 * `secrets.keys`, and, with `secrets.environment: true`, when its value came from an environment variable.
 * Structured views replace such values by `***`; free text has every secret value of 4 characters or more replaced
 * wherever it appears.
 */

export const REDACTED = '***';

/**
 * Shorter secret values are hidden in structured views but not searched for in free text, where they would hide
 * ordinary words and numbers (`PLAIN`-length values are still searched).
 */
const MIN_TEXT_SECRET = 4;

const CREDENTIAL_WORDS = new Set(['password', 'passwd', 'secret', 'token', 'credential', 'credentials', 'apikey', 'authorization', 'cookie']);

/** What a topology says about its secrets (its top-level `secrets` key). */
export interface SecretSettings {
  /** Values taken from environment variables are secret. */
  environment: boolean;
  /** Further keys whose values are secret, matched exactly. */
  keys: readonly string[];
}

export const NO_SECRET_SETTINGS: SecretSettings = { environment: false, keys: [] };

/** The settings of a topology's `secrets` value as far as they are well-formed (the schema check reports the rest). */
export function secretSettingsOf(raw: unknown): SecretSettings {
  const given = (raw !== null && typeof raw === 'object' ? raw : {}) as { environment?: unknown; keys?: unknown };
  return { environment: given.environment === true, keys: Array.isArray(given.keys) ? given.keys.filter((k): k is string => typeof k === 'string') : [] };
}

export function isSecretKey(key: string, extraKeys: readonly string[] = []): boolean {
  if (extraKeys.includes(key)) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1.$2')
    .toLowerCase()
    .split(/[._\- ]+/)
    .filter((w) => w !== '');
  if (words[0] === 'sasl' || words[0] === 'ssl') return true;
  return words.some((w) => CREDENTIAL_WORDS.has(w)) || words[words.length - 1] === 'key';
}

export class Redactor {
  /** Longest first, so a value that contains another is replaced whole. */
  private readonly values: string[];

  constructor(
    values: Iterable<string>,
    private readonly extraKeys: readonly string[] = [],
  ) {
    this.values = [...new Set(values)].filter((v) => v.length >= MIN_TEXT_SECRET).sort((a, b) => b.length - a.length);
  }

  /** A copy of `value` with secret settings replaced by `***` and secret values in strings hidden. */
  value(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k, this.extraKeys) && v !== undefined ? REDACTED : this.value(v)]));
  }

  text(text: string): string {
    let out = text;
    for (const secret of this.values) out = out.split(secret).join(REDACTED);
    return out;
  }
}

/** The redactor of a topology's data: every value under a secret key, and environment values when so configured. */
export function redactorOf(data: unknown, settings: SecretSettings, environmentValues: readonly string[]): Redactor {
  const values: string[] = settings.environment ? [...environmentValues] : [];
  collectSecretValues(data, settings.keys, false, values);
  return new Redactor(values, settings.keys);
}

function collectSecretValues(node: unknown, extraKeys: readonly string[], underSecret: boolean, out: string[]): void {
  if (typeof node === 'string' || typeof node === 'number') {
    if (underSecret) out.push(String(node));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) collectSecretValues(v, extraKeys, underSecret || (!Array.isArray(node) && isSecretKey(k, extraKeys)), out);
}
