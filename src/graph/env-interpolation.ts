/**
 * `${NAME}` and `${NAME:-default}` in a topology's values are replaced by environment variables, so one file serves
 * several deployments (brokers, ports). No variable's value ever becomes YAML text: before parsing, each reference is
 * swapped for a placeholder word (valid in block and flow style alike); after parsing, placeholders inside scalars are
 * replaced by the values. Whatever a variable holds (newlines, `:`, `{`, `- id:`) stays text inside the one value
 * that named it and can never add a step or change the shape of a setting. A value that is nothing but one unquoted
 * reference takes the type the YAML core schema gives the substituted text (so `port: ${PORT}` is a number);
 * anything else stays a string. A variable that is unset and has no default is listed in `missing` and keeps its
 * reference text (`${NAME}`, a string): running makes that an error with its line, while validate and describe,
 * which touch no broker or port, report it and go on.
 */
import { randomBytes } from 'node:crypto';
import { isScalar, visit, type Document } from 'yaml';

export interface MissingVariable {
  name: string;
  line: number;
}

interface Reference {
  name: string;
  fallback: string | undefined;
  line: number;
}

/** A topology's text with its references swapped for placeholders, and what each placeholder stands for. */
export interface ProtectedText {
  text: string;
  references: Map<string, Reference>;
  /** Every placeholder starts with this word, which the original text does not contain. */
  prefix: string;
}

export interface Interpolation {
  missing: MissingVariable[];
  /** The values taken from the environment (not defaults), for redaction when they are to be treated as secret. */
  environmentValues: string[];
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}\n]*))?\}/g;

export function protectReferences(text: string): ProtectedText {
  let prefix: string;
  do prefix = `fwenv${randomBytes(6).toString('hex')}x`;
  while (text.includes(prefix));
  const references = new Map<string, Reference>();
  let line = 1;
  let scanned = 0;
  const out = text.replace(REFERENCE, (_match, name: string, fallback: string | undefined, offset: number) => {
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    scanned = offset;
    const token = `${prefix}${references.size}`;
    references.set(token, { name, fallback, line });
    return token;
  });
  return { text: out, references, prefix };
}

/** Replaces placeholders in the document's scalars (keys included, as plain text), in place. */
export function interpolateEnv(doc: Document, protectedText: ProtectedText, env: NodeJS.ProcessEnv): Interpolation {
  const result: Interpolation = { missing: [], environmentValues: [] };
  if (protectedText.references.size === 0) return result;
  const valueOfToken = (token: string): string => {
    const ref = protectedText.references.get(token)!;
    const value = env[ref.name];
    if (value !== undefined && value !== '') {
      result.environmentValues.push(value);
      return value;
    }
    if (ref.fallback !== undefined) return ref.fallback;
    result.missing.push({ name: ref.name, line: ref.line });
    return `\${${ref.name}}`;
  };
  const placeholder = new RegExp(`${protectedText.prefix}\\d+`, 'g');
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== 'string' || !node.value.includes(protectedText.prefix)) return;
      const text = node.value;
      const substituted = text.replace(placeholder, valueOfToken);
      const whole = key !== 'key' && node.type === 'PLAIN' && protectedText.references.has(text);
      node.value = whole ? plainScalarValue(doc, substituted) : substituted;
    },
  });
  return result;
}

/** What the text would mean as an unquoted scalar of this document's schema (a number, boolean, null), else the text. */
function plainScalarValue(doc: Document, text: string): unknown {
  for (const tag of doc.schema.tags) {
    if (isScalarTag(tag) && tag.default === true && tag.test?.test(text)) {
      let failed = false;
      const value = tag.resolve(text, () => void (failed = true), doc.options);
      // Some tags (booleans) resolve to a Scalar that remembers its source text.
      return failed ? text : isScalar(value) ? value.value : value;
    }
  }
  return text;
}

type ScalarTag = { default?: boolean | 'key'; test?: RegExp; resolve(value: string, onError: (message: string) => void, options: object): unknown };

function isScalarTag(tag: unknown): tag is ScalarTag {
  return typeof (tag as ScalarTag).test === 'object' && typeof (tag as ScalarTag).resolve === 'function';
}
