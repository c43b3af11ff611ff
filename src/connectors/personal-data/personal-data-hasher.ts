/**
 * Hashing of personal fields at the edge: each declared field is normalised by its kind and replaced by
 * HMAC-SHA256(key, kind + ':' + normalised) in lowercase hex, so equal values hash equally (identity can still link
 * them) while the raw value goes no further. Normalisation: a phone number becomes E.164 (awesome-phonenumber, with
 * the default region for numbers without a country code), or its digits when it cannot be read as a number; an
 * e-mail address is trimmed and lowercased; text is trimmed. Hashing never fails a record (a failure would send
 * the raw record to the dead letters): a value that is not a string or a number is removed, and a record that is
 * not an object passes unchanged (it has no fields).
 */
import { createHmac } from 'node:crypto';
import { parsePhoneNumber } from 'awesome-phonenumber';
import type { PersonalKind, ResolvedPersonalData } from './personal-data-options.js';

export function normalise(kind: PersonalKind, value: string, defaultRegion: string): string {
  switch (kind) {
    case 'phone': {
      const parsed = parsePhoneNumber(value, { regionCode: defaultRegion });
      return parsed.possible && parsed.number ? parsed.number.e164 : value.replace(/\D/g, '');
    }
    case 'email':
      return value.trim().toLowerCase();
    case 'text':
      return value.trim();
  }
}

export function personalDataHasher(options: ResolvedPersonalData): (record: unknown) => unknown {
  const hash = (kind: PersonalKind, value: string) =>
    createHmac('sha256', options.key)
      .update(`${kind}:${normalise(kind, value, options.defaultRegion)}`)
      .digest('hex');
  return (record) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
    const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
    for (const { field, kind } of options.fields) {
      const v = out[field];
      if (v === undefined) continue;
      if (typeof v === 'string' || typeof v === 'number') out[field] = hash(kind, String(v));
      else delete out[field];
    }
    return out;
  };
}
