/**
 * The shape in which a slot caches states: one table per (step, state name), by key. The slot batch fills tables and
 * the state cache budget evicts from them, so the type lives apart from both.
 */
/**
 * The cached states of one (step, state name), by key (the key group follows from the key). A state handle keeps
 * its table, so finding the current key's state is one lookup by the key itself.
 */
export interface StateTable<Cell> {
  readonly stepId: string;
  readonly name: string;
  readonly byKey: Map<string, Cell>;
}
