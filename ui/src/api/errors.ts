/**
 * Typed errors for every non-2xx answer of the Gatehouse API.
 *
 * The server answers `{"detail": "..."}` for 401/403/404/409/429 and
 * `{"field": ["msg", ...]}` / `{"non_field_errors": [...]}` for 400.
 */

import { noteLimitAnswer } from '../billing/limits';

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  /** The `detail` message, or a generic one when the body had none. */
  readonly detail: string;
  /** Per-field validation messages (400 only). */
  readonly fieldErrors: FieldErrors;
  /** `non_field_errors` (400 only). */
  readonly nonFieldErrors: string[];

  constructor(status: number, detail: string, fieldErrors: FieldErrors = {}, nonFieldErrors: string[] = []) {
    super(detail);
    this.name = new.target.name;
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.nonFieldErrors = nonFieldErrors;
  }
}

/** 400 with field errors and/or non-field errors. */
export class ValidationError extends ApiError {}
/** 401: not signed in (or the session expired). */
export class UnauthorizedError extends ApiError {}
/** 403: signed in but not allowed, or a plan limit was reached. */
export class ForbiddenError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ConflictError extends ApiError {}
/** 429: too many attempts; `retryAfterSeconds` comes from the Retry-After header. */
export class RateLimitedError extends ApiError {
  readonly retryAfterSeconds: number | null;
  constructor(detail: string, retryAfterSeconds: number | null) {
    super(429, detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** 5xx or an unexpected status. */
export class ServerError extends ApiError {}
/** The request never got an answer (offline, server down). */
export class NetworkError extends ApiError {
  constructor(message = 'Cannot reach the server. Check your connection and try again.') {
    super(0, message);
  }
}

const GENERIC: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'You are not signed in.',
  403: 'You do not have permission to do that.',
  404: 'Not found.',
  409: 'That conflicts with the current state. Reload and try again.',
  429: 'Too many attempts. Try again later.',
};

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Turns a 400 body into field and non-field messages. Nested objects are flattened with dots. */
export function parseValidationBody(body: unknown): { fields: FieldErrors; nonField: string[] } {
  const fields: FieldErrors = {};
  const nonField: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    if (isStringArray(body)) nonField.push(...body);
    else if (typeof body === 'string' && body) nonField.push(body);
    return { fields, nonField };
  }
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (key === 'non_field_errors' || (key === 'detail' && !prefix)) {
        if (isStringArray(value)) nonField.push(...value);
        else if (typeof value === 'string') nonField.push(value);
      } else if (isStringArray(value)) {
        fields[name] = value;
      } else if (typeof value === 'string') {
        fields[name] = [value];
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, name);
      }
    }
  };
  walk(body as Record<string, unknown>, '');
  return { fields, nonField };
}

/** Parses Retry-After: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Builds the typed error for a response status, its parsed body and headers. */
export function errorFromResponse(status: number, body: unknown, headers: Headers): ApiError {
  const detail =
    typeof body === 'object' && body !== null && 'detail' in body && typeof (body as { detail: unknown }).detail === 'string'
      ? (body as { detail: string }).detail
      : (GENERIC[status] ?? `The server answered with an error (${status}).`);
  switch (status) {
    case 400: {
      const { fields, nonField } = parseValidationBody(body);
      const message = nonField[0] ?? Object.values(fields)[0]?.[0] ?? detail;
      return new ValidationError(400, message, fields, nonField);
    }
    case 401:
      return new UnauthorizedError(status, detail);
    case 403:
      noteLimitAnswer(body);
      return new ForbiddenError(status, detail);
    case 404:
      return new NotFoundError(status, detail);
    case 409:
      return new ConflictError(status, detail);
    case 429:
      return new RateLimitedError(detail, parseRetryAfter(headers.get('Retry-After')));
    default:
      return new ServerError(status, status >= 500 ? 'The server had a problem. Try again in a moment.' : detail);
  }
}

/** A message for people: what to show in an alert for any error thrown by the client. */
export function errorMessage(err: unknown): string {
  if (err instanceof RateLimitedError) return tooManyAttemptsMessage(err.retryAfterSeconds);
  if (err instanceof ValidationError) return err.nonFieldErrors[0] ?? err.detail;
  if (err instanceof ApiError) return err.detail;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

export function tooManyAttemptsMessage(retryAfterSeconds: number | null): string {
  if (retryAfterSeconds === null) return 'Too many attempts, try again later.';
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many attempts, try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}
