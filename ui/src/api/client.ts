import { errorFromResponse, NetworkError, NotFoundError, UnauthorizedError } from './errors';

/** The server's answer when the organization named by X-Organization does not exist. */
export const ORG_NOT_FOUND_DETAIL = 'Organization not found.';

/**
 * Fired on window when any API call answers 401, so the app can notice an
 * expired session (see UserProvider) and send the user to the login page.
 */
export const UNAUTHORIZED_EVENT = 'gatehouse:unauthorized';

/** localStorage key of the active organization slug ('' = personal workspace). */
export const ORG_STORAGE_KEY = 'gatehouse.org';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reads one cookie by name from `document.cookie`. */
export function readCookie(name: string, cookieString: string = document.cookie): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

/**
 * The active organization: a slug, '' for the personal workspace, or null when
 * none was ever chosen (then no header is sent and the server applies no filter).
 */
export function getActiveOrg(): string | null {
  try {
    return window.localStorage.getItem(ORG_STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setActiveOrg(slug: string | null): void {
  try {
    if (slug === null) window.localStorage.removeItem(ORG_STORAGE_KEY);
    else window.localStorage.setItem(ORG_STORAGE_KEY, slug);
  } catch {
    /* storage disabled */
  }
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON body. */
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** Send no X-Organization header even when one is chosen. */
  noOrg?: boolean;
  /** Send this X-Organization value instead of the active one ('' = personal workspace). */
  org?: string;
}

/**
 * Fired on window when a call that named a workspace answers 404
 * "Organization not found." (the stored organization was deleted or renamed),
 * so the app can fall back to the personal workspace. detail: { slug }.
 */
export const ORG_NOT_FOUND_EVENT = 'gatehouse:org-not-found';

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

/**
 * Calls the API and returns the parsed JSON body (undefined for 204/empty).
 * Throws a typed ApiError subclass on any non-2xx answer, NetworkError when
 * there is no answer at all.
 */
export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers = new Headers({ Accept: 'application/json' });
  if (opts.body !== undefined) headers.set('Content-Type', 'application/json');
  if (UNSAFE_METHODS.has(method)) {
    const csrf = readCookie('csrftoken');
    if (csrf) headers.set('X-CSRFToken', csrf);
  }
  let sentOrg: string | null = null;
  if (!opts.noOrg) {
    sentOrg = opts.org ?? getActiveOrg();
    if (sentOrg !== null) headers.set('X-Organization', sentOrg);
  }

  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new NetworkError();
  }

  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    const err = errorFromResponse(res.status, body, res.headers);
    if (err instanceof UnauthorizedError) window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: { path } }));
    if (err instanceof NotFoundError && sentOrg && err.detail === ORG_NOT_FOUND_DETAIL) {
      window.dispatchEvent(new CustomEvent(ORG_NOT_FOUND_EVENT, { detail: { slug: sentOrg } }));
    }
    throw err;
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal) =>
    apiRequest<T>(path, { method: 'GET', query, signal }),
  post: <T>(path: string, body?: unknown) => apiRequest<T>(path, { method: 'POST', body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PATCH', body }),
  put: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: 'PUT', body }),
  delete: <T = void>(path: string) => apiRequest<T>(path, { method: 'DELETE' }),
};
