/**
 * Where each name an expression may read sits in a decision's scope: a plain array filled once per decision, so a
 * compiled name is an array index and nothing is ever looked up by name at run time. The order is fixed: the
 * built-in names, then the rules file's inputs, then its constants.
 */

/** Names every expression can read besides the inputs and constants. */
export const BUILT_IN_NAMES = ['score', 'modelScore', 'offer'] as const;
export const SCORE_SLOT = 0;
export const MODEL_SCORE_SLOT = 1;
export const OFFER_SLOT = 2;

/** Name -> slot for a rules file with these inputs and constant names (which must be distinct). */
export function scopeLayout(inputs: readonly string[], constantNames: readonly string[]): Map<string, number> {
  return new Map([...BUILT_IN_NAMES, ...inputs, ...constantNames].map((name, slot) => [name, slot]));
}
