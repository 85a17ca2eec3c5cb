import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { UnauthorizedError } from '../api/errors';
import { UNAUTHORIZED_EVENT } from '../api/client';
import { authApi, usersApi } from '../api/endpoints';
import type { User } from '../api/types';

export type UserState =
  | { status: 'loading'; user: null; error: null }
  | { status: 'anonymous'; user: null; error: null; signedOut?: boolean }
  | { status: 'authenticated'; user: User; error: null }
  | { status: 'error'; user: null; error: string };

interface UserContextValue {
  state: UserState;
  user: User | null;
  /** Reloads the current user; resolves to it (null when signed out). */
  refresh: () => Promise<User | null>;
  /** Replaces the current user after an update (e.g. names changed). */
  setUser: (user: User) => void;
  logout: () => Promise<void>;
}

const UserContext = createContext<UserContextValue | null>(null);

export function isAdmin(user: User | null | undefined): boolean {
  return !!user && (user.is_superuser || user.groups.includes('admin'));
}

/** Highest global role of a user, for display. */
export function globalRole(user: Pick<User, 'groups' | 'is_superuser'>): 'admin' | 'user' | 'worker' {
  if (user.is_superuser || user.groups.includes('admin')) return 'admin';
  if (user.groups.includes('user')) return 'user';
  if (user.groups.includes('worker')) return 'worker';
  return 'user';
}

export function UserProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<UserState>({ status: 'loading', user: null, error: null });

  const refresh = useCallback(async () => {
    try {
      const user = await usersApi.self();
      setState({ status: 'authenticated', user, error: null });
      return user;
    } catch (err) {
      if (err instanceof UnauthorizedError) {
        setState({ status: 'anonymous', user: null, error: null });
      } else {
        setState({ status: 'error', user: null, error: err instanceof Error ? err.message : String(err) });
      }
      return null;
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // A 401 from any call while signed in means the session ended (expired,
  // revoked from another device, password changed elsewhere): re-check, and
  // RequireAuth sends the user to the login page with `next` set.
  const status = state.status;
  useEffect(() => {
    if (status !== 'authenticated') return;
    const onUnauthorized = (e: Event) => {
      const path = (e as CustomEvent<{ path?: string }>).detail?.path;
      if (path !== '/api/users/self') void refresh();
    };
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, [status, refresh]);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      // signedOut: the next login should not return to the previous user's page.
      setState({ status: 'anonymous', user: null, error: null, signedOut: true });
    }
  }, []);

  const setUser = useCallback((user: User) => setState({ status: 'authenticated', user, error: null }), []);

  const value = useMemo<UserContextValue>(
    () => ({ state, user: state.user, refresh, setUser, logout }),
    [state, refresh, setUser, logout],
  );
  return <UserContext value={value}>{children}</UserContext>;
}

export function useCurrentUser(): UserContextValue {
  const ctx = use(UserContext);
  if (!ctx) throw new Error('useCurrentUser must be used inside <UserProvider>');
  return ctx;
}
