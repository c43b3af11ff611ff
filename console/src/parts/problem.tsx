/** What a page shows while its data has not come: the wait, or why it failed. */
import { HttpError } from '../api.js';

/** `absent` is said instead of the endpoint's 404 (a job without the step that serves the route). */
export function Problem({ error, waiting, absent }: { error: Error | null; waiting: string; absent?: string }) {
  if (!error) return <p class="loading">{waiting}</p>;
  if (absent && error instanceof HttpError && error.status === 404) return <p class="note">{absent}</p>;
  const status = error instanceof HttpError ? ` (${error.status})` : '';
  return (
    <p class="error" data-testid="problem">
      {error.message}
      {status}
    </p>
  );
}
