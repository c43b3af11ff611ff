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
}
