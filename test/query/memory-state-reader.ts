/**
 * A StateReader over a plain map of value states (no map states), for query tests that build a RuntimeView by hand,
 * and such a view over it.
 */
import type { RuntimeView } from '../../src/query/runtime-view.js';
import type { StateReader } from '../../src/state/reader.js';

const SEP = '\u0000';

export class MemoryStateReader implements StateReader {
  private readonly values = new Map<string, unknown>();

  setValue(stepId: string, key: string, name: string, value: unknown): this {
    this.values.set([stepId, key, name].join(SEP), structuredClone(value));
    return this;
  }

  value<T>(stepId: string, key: string, name: string): T | undefined {
    return structuredClone(this.values.get([stepId, key, name].join(SEP))) as T | undefined;
  }

  mapEntry<V>(): V | undefined {
    return undefined;
  }

  mapEntries<V>(): Array<[string, V]> {
    return [];
  }

  valueKeys(stepId: string, name: string, limit: number): string[] {
    const keys = [...this.values.keys()]
      .map((id) => id.split(SEP))
      .filter(([s, , n]) => s === stepId && n === name)
      .map(([, key]) => key!);
    return keys.sort().slice(0, limit);
  }
}

/** A RuntimeView of a live, ready job with no metrics that serves `state`: for tests of a step's routes. */
export function viewOfState(state: StateReader): RuntimeView {
  return {
    jobName: 'x',
    live: () => true,
    readiness: () => ({ ready: true, reasons: [] }),
    topology: () => ({}),
    metrics: async () => '',
    contentType: 'text/plain',
    state,
  };
}
