/**
 * Every number in a topology is finite and exactly representable (|n| <= 2^53 - 1), whatever its schema says:
 * YAML reads `1e400` as Infinity and `99999999999999999999` as a rounded double, which pass a bare `type: number`
 * and make arithmetic on them meaningless. Schemas add tighter maxima where a setting has one.
 */
import type { YamlPath } from './yaml-positions.js';

/** The path of the first number outside the representable range, or null. */
export function firstUnboundedNumber(node: unknown, at: YamlPath = []): { path: YamlPath; value: number } | null {
  if (typeof node === 'number') return Number.isFinite(node) && Math.abs(node) <= Number.MAX_SAFE_INTEGER ? null : { path: at, value: node };
  if (node === null || typeof node !== 'object') return null;
  const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [k, v] of entries) {
    const found = firstUnboundedNumber(v, [...at, k]);
    if (found) return found;
  }
  return null;
}
