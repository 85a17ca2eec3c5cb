import { describe, expect, it } from 'vitest';
import { loginUrlFor, sanitizeNext } from './next';

describe('sanitizeNext', () => {
  it.each([
    ['/organizations', '/organizations'],
    ['/profile#password', '/profile#password'],
    ['/admin/users?search=bob&page=2', '/admin/users?search=bob&page=2'],
    ['/a/../b', '/b'],
  ])('keeps the same-site path %s', (input, expected) => {
    expect(sanitizeNext(input)).toBe(expected);
  });

  it.each([
    'https://evil.example/',
    'http://evil.example',
    '//evil.example/path',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'data:text/html,hi',
    'relative/path',
    ' /leading-space',
    '/with\nnewline',
    '/\t/evil.example',
    '/auth/login',
    '/auth/login?next=/x',
    '',
  ])('rejects %j', (input) => {
    expect(sanitizeNext(input)).toBe('/');
  });

  it('uses the given fallback', () => {
    expect(sanitizeNext(null, '/home')).toBe('/home');
    expect(sanitizeNext('//x', '/home')).toBe('/home');
  });
});

describe('loginUrlFor', () => {
  it('adds an encoded next for private pages only', () => {
    expect(loginUrlFor('/')).toBe('/auth/login');
    expect(loginUrlFor('/admin/users?page=2')).toBe('/auth/login?next=%2Fadmin%2Fusers%3Fpage%3D2');
  });
});
