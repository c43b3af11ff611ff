/**
 * Text with `{path}` placeholders filled from a record: `https://x/users/{userId}` (URL-encoded) for the async
 * step's url, `Offer {offer.coupon}% to a {segment} customer` for a chat prompt or a fallback text. A placeholder
 * whose path holds no text, number or boolean is reported to the caller, which decides what that means.
 */
import { pathReader } from '../api/aggregators.js';

export type FieldTemplate = (record: unknown) => string;

export function fieldTemplate(template: string, encode: (value: string) => string, missing: (path: string) => never): FieldTemplate {
  const parts = template.split(/\{([^{}]+)\}/);
  if (parts.length === 1) return () => template;
  const readers = parts.map((p, i) => (i % 2 === 1 ? pathReader(p) : null));
  return (record) =>
    parts
      .map((p, i) => {
        if (i % 2 === 0) return p;
        const value = readers[i]!(record);
        if (value === undefined || value === null || typeof value === 'object') return missing(p);
        return encode(String(value));
      })
      .join('');
}
