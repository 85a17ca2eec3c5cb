/** Username rules of the server: 5–150 characters of letters, digits and @.+-_ */
export const USERNAME_MIN = 5;
export const USERNAME_MAX = 150;

/**
 * Suggests a username from an email address: the local part, lowercased,
 * accents folded ("José" → "jose"), characters the server does not accept
 * removed, cut to 150 and padded with zeros to 5 characters.
 * Returns '' when nothing usable is left.
 */
export function usernameFromEmail(email: string): string {
  const at = email.indexOf('@');
  const local = at >= 0 ? email.slice(0, at) : email;
  const cleaned = local
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9.+_-]/g, '')
    .slice(0, USERNAME_MAX);
  if (!cleaned) return '';
  return cleaned.padEnd(USERNAME_MIN, '0');
}

/** Client-side check matching the server's username rule; returns an error message or null. */
export function validateUsername(username: string): string | null {
  if (!username) return 'Enter a username.';
  if (username.length < USERNAME_MIN) return `Use at least ${USERNAME_MIN} characters.`;
  if (username.length > USERNAME_MAX) return `Use at most ${USERNAME_MAX} characters.`;
  if (!/^[\p{L}\p{N}_.@+-]+$/u.test(username)) return 'Use only letters, digits and @ . + - _';
  return null;
}
