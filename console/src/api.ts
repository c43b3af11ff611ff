/**
 * How the console talks to the job's endpoint: relative URLs (so it works under a path prefix), the bearer token the
 * user gave (kept for the browser tab only, in sessionStorage), and polling that pauses while the tab is hidden.
 */
import { useEffect, useState } from 'preact/hooks';

const TOKEN_KEY = 'flywheel.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const authorization = (): Record<string, string> => {
  const bearer = token.get();
  return bearer ? { authorization: `Bearer ${bearer}` } : {};
};

/** GETs a JSON route of the endpoint; a 4xx or 5xx becomes an HttpError with the endpoint's message. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: authorization() });
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new HttpError(res.status, body.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export interface PostAnswer {
  status: number;
  body: { message?: string } & Record<string, unknown>;
}

/** POSTs a JSON body; whatever the status, the answer is returned as it came, for the page to show. */
export async function postJson(path: string, body: unknown): Promise<PostAnswer> {
  const res = await fetch(path, { method: 'POST', headers: { ...authorization(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as PostAnswer['body'] };
}

/** Listeners told when a request was refused for want of a (valid) token, so the shell can ask for one. */
const unauthorized = new Set<() => void>();
export const onUnauthorized = (listener: () => void): (() => void) => {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
};

export interface Polled<T> {
  data: T | null;
  error: HttpError | Error | null;
}

/** The route's answer, fetched now and every `everyMs` while the tab is visible; null `path` fetches nothing. */
export function usePoll<T>(path: string | null, everyMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null });
  useEffect(() => {
    if (path === null) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (document.visibilityState === 'visible') {
        try {
          const data = await getJson<T>(path);
          if (!stopped) setState({ data, error: null });
        } catch (err) {
          if (err instanceof HttpError && err.status === 401) for (const listener of unauthorized) listener();
          if (!stopped) setState((s) => ({ data: s.data, error: err as Error }));
        }
      }
      if (!stopped) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, everyMs]);
  return state;
}
