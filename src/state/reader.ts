/**
 * The read-only view of keyed state that the HTTP query endpoint uses. Reads run in LMDB read transactions: they
 * never block the job's writers and always see the state as of the last committed batch.
 */

export interface StateReader {
  /** Value state `name` of `key` in step `stepId`; undefined when absent or expired. */
  value<T>(stepId: string, key: string, name: string): T | undefined;
  /** One entry of map state `name`; undefined when absent or expired. */
  mapEntry<V>(stepId: string, key: string, name: string, entry: string): V | undefined;
  /** All entries of map state `name`, in entry order. */
  mapEntries<V>(stepId: string, key: string, name: string): Array<[string, V]>;
  /**
   * The keys of step `stepId` that hold a live value state `name`, in key order, at most `limit` of them: for a
   * listing over a step with few keys (one per experiment, say). It reads every key the step stores state under.
   */
  valueKeys(stepId: string, name: string, limit: number): string[];
}
