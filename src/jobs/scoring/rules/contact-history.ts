/**
 * A user's contact history as kept in keyed state: the sends let through, oldest first, as [time, channel] pairs
 * (plain data for LMDB), and the newest time of sends already pruned. Only sends within the contact rules' horizon of
 * the newest one are kept, so the history of a user stays as small as the rules allow.
 */

export interface ContactHistory {
  sends: Array<[number, string | null]>;
  /** Sends at or before this time may have been pruned; null while none was. */
  prunedUpTo: number | null;
}

export const EMPTY_HISTORY: ContactHistory = { sends: [], prunedUpTo: null };

/**
 * The history with one more send, keeping time order, and without the sends that are `horizon` or more before the
 * newest one twice over: an attempt that could still be judged (no earlier than newest - horizon) looks back at
 * most `horizon`, which leaves those out. Rules without a horizon (quiet hours alone) need no history: the caller
 * keeps none (every send would be pruned at once).
 */
export function withSend(history: ContactHistory, at: number, channel: string | null, horizon: number): ContactHistory {
  const sends = [...history.sends];
  let i = sends.length;
  while (i > 0 && sends[i - 1]![0] > at) i--;
  sends.splice(i, 0, [at, channel]);
  const cutoff = sends[sends.length - 1]![0] - 2 * horizon;
  const kept = sends.findIndex(([s]) => s > cutoff);
  const firstKept = kept === -1 ? sends.length : kept;
  if (firstKept === 0) return { sends, prunedUpTo: history.prunedUpTo };
  const prunedUpTo = sends[firstKept - 1]![0];
  return { sends: sends.slice(firstKept), prunedUpTo: Math.max(prunedUpTo, history.prunedUpTo ?? prunedUpTo) };
}
