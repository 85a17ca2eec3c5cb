/**
 * Makes a `next` query value safe to navigate to after login.
 *
 * Only same-site relative paths are honoured ("/organizations?x=1#y").
 * Absolute URLs, protocol-relative URLs ("//evil.example"), backslash tricks
 * ("/\\evil.example"), other schemes ("javascript:") and control characters
 * all fall back to `fallback`.
 */
export function sanitizeNext(next: string | null | undefined, fallback = '/'): string {
  if (!next) return fallback;
  // Control characters and whitespace at the edges are never part of a real path.
  if (/[\u0000-\u001f\u007f]/.test(next) || next !== next.trim()) return fallback;
  if (!next.startsWith('/')) return fallback;
  if (next.startsWith('//') || next.includes('\\')) return fallback;

  const base = 'http://gatehouse.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const path = url.pathname + url.search + url.hash;
  // Coming back to the login page itself would be a loop.
  if (url.pathname === '/auth/login') return fallback;
  return path;
}

/** The login URL that brings the user back to `path` afterwards. */
export function loginUrlFor(path: string): string {
  const safe = sanitizeNext(path, '');
  if (!safe || safe === '/') return '/auth/login';
  return `/auth/login?next=${encodeURIComponent(safe)}`;
}
