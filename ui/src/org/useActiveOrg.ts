import { useCallback, useSyncExternalStore } from 'react';
import { getActiveOrg, ORG_STORAGE_KEY, setActiveOrg } from '../api/client';

// Tabs of the same browser share the choice: listen to 'storage' events too.
const listeners = new Set<() => void>();
function subscribe(cb: () => void) {
  listeners.add(cb);
  const onStorage = (e: StorageEvent) => {
    if (e.key === ORG_STORAGE_KEY) cb();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(cb);
    window.removeEventListener('storage', onStorage);
  };
}

/**
 * The active organization slug: '' = personal workspace, null = never chosen
 * (treated as the personal workspace in the menu). Stored in localStorage so
 * the choice survives a reload; the API client sends it as X-Organization.
 */
export function useActiveOrg(): [string | null, (slug: string | null) => void] {
  const org = useSyncExternalStore(subscribe, getActiveOrg, () => null);
  const set = useCallback((slug: string | null) => {
    setActiveOrg(slug);
    listeners.forEach((l) => l());
  }, []);
  return [org, set];
}
