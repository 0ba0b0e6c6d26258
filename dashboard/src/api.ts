// The dashboard's only way to the server: the public `/v1` API, with the key the user typed.
// The key lives in sessionStorage (this tab, until it closes), never in localStorage or a cookie.

import { readEvents } from './sse';

const KEY = 'splants.apiKey';

/** The API key of this tab, if one was entered. */
export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps `key` for this tab (or forgets it with `null`). */
export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event('splants:key'));
}

/** The error body every refusal has: `{error, type, code, details, request_id}`. */
export interface ErrorBody {
  error: string;
  type?: string;
  code: string;
  details?: Record<string, unknown>;
  request_id?: string;
}

/** A refusal of the API (or of the network), with what the server said. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly retryAfter: number | null = null,
  ) {
    super(body.error);
  }

  get code(): string {
    return this.body.code;
  }

  get details(): Record<string, unknown> {
    return this.body.details ?? {};
  }
}

function headers(json: boolean): Headers {
  const h = new Headers({ Accept: 'application/json' });
  const key = apiKey();
  if (key) h.set('X-API-Key', key);
  if (json) h.set('Content-Type', 'application/json');
  return h;
}

async function refusal(r: Response): Promise<ApiError> {
  let body: ErrorBody;
  try {
    body = (await r.json()) as ErrorBody;
  } catch {
    body = { error: `${r.status} ${r.statusText}`, code: 'http_error' };
  }
  const ra = r.headers.get('Retry-After');
  return new ApiError(r.status, body, ra !== null && ra !== '' ? Number(ra) : null);
}

function networkError(e: unknown): ApiError {
  return new ApiError(0, { error: `the server could not be reached (${String(e)})`, code: 'network' });
}

/** Calls the API: JSON in and out; a refusal throws an [`ApiError`]. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let r: Response;
  try {
    r = await fetch(path, {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw networkError(e);
  }
  if (!r.ok) throw await refusal(r);
  if (r.status === 204) return undefined as T;
  return (await r.json()) as T;
}

/** GET with a query string from the non-empty entries of `query`. */
export function get<T>(path: string, query: Record<string, string | number | boolean | null | undefined> = {}): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return call<T>('GET', s ? `${path}?${s}` : path);
}

/** What a streamed generation reports as it goes. */
export interface StreamHandlers {
  delta(text: string): void;
}

/**
 * Generates with `"stream": true` and reads the server-sent events with fetch and a stream
 * reader (an EventSource cannot send `X-API-Key`): each `delta` is handed on, `done` resolves
 * with the piece, `error` (or a refusal before the stream) rejects with an [`ApiError`].
 */
export async function generateStream<T>(brief: Record<string, unknown>, on: StreamHandlers, signal?: AbortSignal): Promise<T> {
  let r: Response;
  try {
    const h = headers(true);
    h.set('Accept', 'text/event-stream');
    r = await fetch('/v1/content/generate', {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ ...brief, stream: true }),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: signal ?? null,
    });
  } catch (e) {
    throw networkError(e);
  }
  if (!r.ok) throw await refusal(r);
  if (!r.body) throw networkError('no body');
  for await (const ev of readEvents(r.body)) {
    if (ev.event === 'delta') {
      on.delta((JSON.parse(ev.data) as { text: string }).text);
    } else if (ev.event === 'done') {
      return JSON.parse(ev.data) as T;
    } else if (ev.event === 'error') {
      const body = JSON.parse(ev.data) as ErrorBody;
      const status = body.code === 'budget_exceeded' ? 402 : body.code === 'rate_limited' ? 429 : 502;
      throw new ApiError(status, body);
    }
  }
  throw new ApiError(0, { error: 'the stream ended before the piece was finished', code: 'stream_ended' });
}
