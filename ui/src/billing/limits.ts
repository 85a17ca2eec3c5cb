/**
 * Plan-limit refusals. A create over a plan limit answers 403 with a detail
 * such as "Organization members limit reached: ..." and, when the server
 * says so, `code: "limit_reached"` and an `upgrade_url`. Forms only keep the
 * message string, so the API client notes such answers here (noteLimitAnswer)
 * and the error display asks isLimitMessage/limitUpgradePath by message.
 */
import { sanitizeNext } from '../lib/next';

export const LIMIT_CODE = 'limit_reached';
/** The plans page, where every "Upgrade" link leads unless the server names a page of ours. */
export const PLANS_PATH = '/billing/plans';

const LIMIT_WORDS = /\blimits? (?:is |was |has been )?reached\b|\bseats?\b/i;

// detail → upgrade path, for answers that carried code/upgrade_url. Small and bounded.
const noted = new Map<string, string>();
const MAX_NOTED = 20;

/** Same-site path of an upgrade_url (relative, or absolute on this origin); the plans page otherwise. */
export function upgradePathOf(url: unknown, origin: string = window.location.origin): string {
  if (typeof url !== 'string' || !url) return PLANS_PATH;
  let candidate = url;
  if (/^https?:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      if (u.origin !== origin) return PLANS_PATH;
      candidate = u.pathname + u.search + u.hash;
    } catch {
      return PLANS_PATH;
    }
  }
  return sanitizeNext(candidate, PLANS_PATH);
}

/** Called by the API client with every 403 body; remembers limit refusals by their detail. */
export function noteLimitAnswer(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const { detail, code, upgrade_url: upgradeUrl } = body as { detail?: unknown; code?: unknown; upgrade_url?: unknown };
  if (typeof detail !== 'string' || !detail) return;
  if (code !== LIMIT_CODE && upgradeUrl === undefined) return;
  if (noted.size >= MAX_NOTED) noted.delete(noted.keys().next().value as string);
  noted.set(detail, upgradePathOf(upgradeUrl));
}

/** True when a message shown to the user is a plan-limit or seat refusal. */
export function isLimitMessage(message: string | null | undefined): message is string {
  if (!message) return false;
  return noted.has(message) || LIMIT_WORDS.test(message);
}

/** Where the "Upgrade" link of a limit message goes. */
export function limitUpgradePath(message: string): string {
  return noted.get(message) ?? PLANS_PATH;
}

/** Test hook: forgets the noted answers. */
export function forgetLimitAnswers(): void {
  noted.clear();
}
