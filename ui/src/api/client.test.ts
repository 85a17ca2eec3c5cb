import { describe, expect, it, vi } from 'vitest';
import { api, buildUrl, readCookie, ORG_STORAGE_KEY } from './client';
import {
  ConflictError,
  errorMessage,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  parseRetryAfter,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
  ValidationError,
} from './errors';
import { json, mockFetch } from '../test/fetchMock';

describe('CSRF header', () => {
  it('sends X-CSRFToken from the csrftoken cookie on unsafe methods', async () => {
    document.cookie = 'other=1';
    document.cookie = 'csrftoken=abc%2B123';
    const { calls } = mockFetch({
      'POST /api/x': () => json(200, {}),
      'PATCH /api/x': () => json(200, {}),
      'DELETE /api/x': () => new Response(null, { status: 204 }),
      'GET /api/x': () => json(200, {}),
    });
    await api.post('/api/x', { a: 1 });
    await api.patch('/api/x', { a: 1 });
    await api.delete('/api/x');
    await api.get('/api/x');
    expect(calls.map((c) => [c.method, c.headers.get('X-CSRFToken')])).toEqual([
      ['POST', 'abc+123'],
      ['PATCH', 'abc+123'],
      ['DELETE', 'abc+123'],
      ['GET', null],
    ]);
  });

  it('sends no X-CSRFToken when there is no cookie', async () => {
    const { calls } = mockFetch({ 'POST /api/x': () => json(200, {}) });
    await api.post('/api/x', {});
    expect(calls[0]?.headers.has('X-CSRFToken')).toBe(false);
  });

  it('uses same-origin credentials and a JSON body', async () => {
    const { fn } = mockFetch({ 'POST /api/x': () => json(200, { ok: true }) });
    const res = await api.post<{ ok: boolean }>('/api/x', { a: 1 });
    expect(res).toEqual({ ok: true });
    const init = fn.mock.calls[0]?.[1] as RequestInit;
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"a":1}');
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json');
  });
});

describe('X-Organization header', () => {
  it('is absent when no organization was ever chosen', async () => {
    const { calls } = mockFetch({ 'GET /api/x': () => json(200, {}) });
    await api.get('/api/x');
    expect(calls[0]?.headers.has('X-Organization')).toBe(false);
  });

  it('is an empty string for the personal workspace', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, '');
    const { calls } = mockFetch({ 'GET /api/x': () => json(200, {}) });
    await api.get('/api/x');
    expect(calls[0]?.headers.has('X-Organization')).toBe(true);
    expect(calls[0]?.headers.get('X-Organization')).toBe('');
  });

  it('carries the active organization slug', async () => {
    localStorage.setItem(ORG_STORAGE_KEY, 'acme');
    const { calls } = mockFetch({ 'POST /api/x': () => json(201, {}) });
    await api.post('/api/x', {});
    expect(calls[0]?.headers.get('X-Organization')).toBe('acme');
  });
});

describe('error parsing', () => {
  it('turns field and non-field errors of a 400 into a ValidationError', async () => {
    mockFetch({
      'POST /api/x': () =>
        json(400, { email: ['Enter a valid email address.'], password1: ['Too short.', 'Too common.'], non_field_errors: ['Nope.'] }),
    });
    const err = await api.post('/api/x', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.status).toBe(400);
    expect(v.fieldErrors).toEqual({ email: ['Enter a valid email address.'], password1: ['Too short.', 'Too common.'] });
    expect(v.nonFieldErrors).toEqual(['Nope.']);
    expect(errorMessage(v)).toBe('Nope.');
  });

  it('flattens nested field errors with dots', async () => {
    mockFetch({ 'POST /api/x': () => json(400, { contact: { email: ['Bad.'] } }) });
    const err = (await api.post('/api/x', {}).catch((e: unknown) => e)) as ValidationError;
    expect(err.fieldErrors).toEqual({ 'contact.email': ['Bad.'] });
  });

  it.each([
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
  ])('maps %i with {detail} to its error type', async (status, type) => {
    mockFetch({ 'GET /api/x': () => json(status, { detail: `detail ${status}` }) });
    const err = await api.get('/api/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toBe(`detail ${status}`);
    expect(errorMessage(err)).toBe(`detail ${status}`);
  });

  it('reads Retry-After on a 429 and words the message in minutes', async () => {
    mockFetch({ 'POST /api/auth/login': () => json(429, { detail: 'Request was throttled.' }, { 'Retry-After': '600' }) });
    const err = await api.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterSeconds).toBe(600);
    expect(errorMessage(err)).toBe('Too many attempts, try again in 10 minutes');
  });

  it('rounds a short Retry-After up to one minute', () => {
    expect(errorMessage(new RateLimitedError('x', 5))).toBe('Too many attempts, try again in 1 minute');
    expect(errorMessage(new RateLimitedError('x', null))).toBe('Too many attempts, try again later.');
  });

  it('parses Retry-After as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('garbage', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('hides 5xx bodies behind a generic ServerError', async () => {
    mockFetch({ 'GET /api/x': () => new Response('<html>panic: stack trace</html>', { status: 502 }) });
    const err = await api.get('/api/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(502);
    expect((err as ServerError).message).not.toContain('panic');
  });

  it('reports a NetworkError when fetch itself fails', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    const err = await api.get('/api/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
  });

  it('returns undefined for an empty 204', async () => {
    mockFetch({ 'DELETE /api/x/1': () => new Response(null, { status: 204 }) });
    await expect(api.delete('/api/x/1')).resolves.toBeUndefined();
  });
});

describe('helpers', () => {
  it('readCookie finds a cookie among others and decodes it', () => {
    expect(readCookie('csrftoken', 'a=1; csrftoken=x%3Dy; b=2')).toBe('x=y');
    expect(readCookie('csrftoken', 'xcsrftoken=1')).toBeNull();
  });

  it('buildUrl skips empty values', () => {
    expect(buildUrl('/api/users', { search: '', page: 2, page_size: undefined })).toBe('/api/users?page=2');
    expect(buildUrl('/api/users', { search: 'a b' })).toBe('/api/users?search=a+b');
  });
});

describe('unauthorized event', () => {
  it('is fired on window for a 401 so an expired session is noticed', async () => {
    const { UNAUTHORIZED_EVENT } = await import('./client');
    const seen: string[] = [];
    const listener = (e: Event) => seen.push((e as CustomEvent<{ path: string }>).detail.path);
    window.addEventListener(UNAUTHORIZED_EVENT, listener);
    mockFetch({
      'GET /api/auth/sessions': () => json(401, { detail: 'Invalid token.' }),
      'GET /api/ok': () => json(200, {}),
    });
    await api.get('/api/auth/sessions').catch(() => {});
    await api.get('/api/ok');
    window.removeEventListener(UNAUTHORIZED_EVENT, listener);
    expect(seen).toEqual(['/api/auth/sessions']);
  });
});
