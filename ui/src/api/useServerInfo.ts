import { useEffect, useState } from 'react';
import { serverApi } from './endpoints';
import type { About, AuthMethods } from './types';

// Both answers are public and change only with the server's configuration:
// fetch them once per page load and share the result.
let aboutPromise: Promise<About | null> | null = null;
let methodsPromise: Promise<AuthMethods | null> | null = null;

function useOnce<T>(get: () => Promise<T | null>): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let alive = true;
    void get().then((v) => {
      if (alive) setValue(v);
    });
    return () => {
      alive = false;
    };
  }, [get]);
  return value;
}

const getAbout = () => (aboutPromise ??= serverApi.about().catch(() => null));
const getMethods = () => (methodsPromise ??= serverApi.authMethods().catch(() => null));

export const useAbout = () => useOnce(getAbout);
export const useAuthMethods = () => useOnce(getMethods);
