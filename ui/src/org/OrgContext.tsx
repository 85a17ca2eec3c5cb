import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ORG_NOT_FOUND_EVENT } from '../api/client';
import { orgsApi } from '../api/endpoints';
import { errorMessage } from '../api/errors';
import type { Organization } from '../api/types';
import { useCurrentUser } from '../auth/UserContext';
import { useNotices } from '../components/Notices';
import { useActiveOrg } from './useActiveOrg';

/** sessionStorage key: the user id whose pending invitations were already announced in this tab. */
export const INVITATIONS_NOTICED_KEY = 'gatehouse.invitations-noticed';

interface OrgContextValue {
  /** Organizations I belong to (every one for admins); null until loaded. */
  orgs: Organization[] | null;
  error: string | null;
  /** Active workspace: an organization slug, '' = personal workspace. */
  active: string;
  /** The active organization, when it is in `orgs`. */
  activeOrg: Organization | null;
  /** Makes `slug` the active workspace ('' = personal). */
  switchTo: (slug: string) => void;
  /** Loads the list again; resolves to it (null when it failed). */
  reload: () => Promise<Organization[] | null>;
  /** Puts a created or edited organization into the list without a reload. */
  upsert: (org: Organization, previousSlug?: string) => void;
}

const OrgContext = createContext<OrgContextValue | null>(null);

const sameSlug = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The signed-in user's organizations and the active workspace. The choice is
 * kept in localStorage (the API client sends it as X-Organization), so it
 * survives a reload; a stored organization that no longer exists, or that the
 * user left, falls back to the personal workspace with a notice.
 */
export function OrgProvider({ children }: { children: ReactNode }) {
  const { state } = useCurrentUser();
  const { notify, clear: clearNotices } = useNotices();
  const [stored, setStored] = useActiveOrg();
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const userId = state.status === 'authenticated' ? state.user.id : null;
  const signedOut = state.status === 'anonymous' && state.signedOut === true;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const page = await orgsApi.list();
      if (mine === generation.current) {
        setOrgs(page.results);
        setError(null);
      }
      return page.results;
    } catch (err) {
      if (mine === generation.current) setError(errorMessage(err));
      return null;
    }
  }, []);

  useEffect(() => {
    if (userId === null) {
      generation.current++;
      setOrgs(null);
      setError(null);
      return;
    }
    void reload();
  }, [userId, reload]);

  // Signing out forgets the workspace: the next person on this browser starts in their own.
  useEffect(() => {
    if (!signedOut) return;
    setStored(null);
    clearNotices();
    try {
      window.sessionStorage.removeItem(INVITATIONS_NOTICED_KEY);
    } catch {
      /* storage disabled */
    }
  }, [signedOut, setStored, clearNotices]);

  const fallBack = useCallback(
    (slug: string) => {
      setStored('');
      notify({
        id: 'org-gone',
        color: 'yellow',
        title: 'Back in your personal workspace',
        message: `The organization “${slug}” no longer exists or you are no longer a member.`,
      });
    },
    [notify, setStored],
  );

  // The stored organization is not among mine (deleted, renamed, or I was removed).
  useEffect(() => {
    if (!orgs || !stored) return;
    if (!orgs.some((o) => sameSlug(o.slug, stored))) fallBack(stored);
  }, [orgs, stored, fallBack]);

  // An API call named a workspace the server does not know.
  useEffect(() => {
    const onNotFound = (e: Event) => {
      const slug = (e as CustomEvent<{ slug?: string }>).detail?.slug ?? '';
      if (slug && stored && sameSlug(slug, stored)) {
        fallBack(slug);
        void reload();
      }
    };
    window.addEventListener(ORG_NOT_FOUND_EVENT, onNotFound);
    return () => window.removeEventListener(ORG_NOT_FOUND_EVENT, onNotFound);
  }, [stored, fallBack, reload]);

  const upsert = useCallback((org: Organization, previousSlug?: string) => {
    setOrgs((list) => {
      const rest = (list ?? []).filter((o) => o.id !== org.id);
      return [...rest, org].sort((a, b) => a.slug.localeCompare(b.slug));
    });
    if (previousSlug !== undefined && previousSlug !== org.slug) {
      // Renamed: keep it active under its new short name.
      setStored(org.slug);
    }
  }, [setStored]);

  const switchTo = useCallback((slug: string) => setStored(slug), [setStored]);

  const active = stored ?? '';
  const activeOrg = useMemo(() => (active && orgs ? (orgs.find((o) => sameSlug(o.slug, active)) ?? null) : null), [active, orgs]);

  const value = useMemo<OrgContextValue>(
    () => ({ orgs, error, active, activeOrg, switchTo, reload, upsert }),
    [orgs, error, active, activeOrg, switchTo, reload, upsert],
  );
  return <OrgContext value={value}>{children}</OrgContext>;
}

export function useOrgs(): OrgContextValue {
  const ctx = use(OrgContext);
  if (!ctx) throw new Error('useOrgs must be used inside <OrgProvider>');
  return ctx;
}
