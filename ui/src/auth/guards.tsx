import type { ReactNode } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router';
import { Alert, Button, Center, Stack } from '@mantine/core';
import { PageLoader } from '../components/PageLoader';
import { loginUrlFor, sanitizeNext } from '../lib/next';
import { isAdmin, useCurrentUser } from './UserContext';

/** Error screen when the current user could not be loaded (server down, 5xx). */
function LoadFailed({ message, retry }: { message: string; retry: () => void }) {
  return (
    <Center mih="60vh" p="md">
      <Stack maw={420}>
        <Alert color="red" title="Gatehouse is not reachable" role="alert">
          {message}
        </Alert>
        <Button onClick={retry}>Try again</Button>
      </Stack>
    </Center>
  );
}

/** Private pages: waits for the current user; sends anonymous visitors to the login page. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state, refresh } = useCurrentUser();
  const location = useLocation();
  if (state.status === 'loading') return <PageLoader label="Loading your account" />;
  if (state.status === 'error') return <LoadFailed message={state.error} retry={() => void refresh()} />;
  if (state.status === 'anonymous') {
    const to = state.signedOut ? '/auth/login' : loginUrlFor(location.pathname + location.search + location.hash);
    return <Navigate to={to} replace />;
  }
  return <>{children}</>;
}

/** Pages for administrators only. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useCurrentUser();
  if (!isAdmin(user)) {
    return (
      <Alert color="yellow" title="Administrators only" role="alert" maw={560} mx="auto" mt="xl">
        You need the admin role to open this page.
      </Alert>
    );
  }
  return <>{children}</>;
}

/** Login and registration: a signed-in user goes straight to `next` (or home). */
export function GuestOnly({ children }: { children: ReactNode }) {
  const { state } = useCurrentUser();
  const [params] = useSearchParams();
  if (state.status === 'loading') return <PageLoader />;
  if (state.status === 'authenticated') return <Navigate to={sanitizeNext(params.get('next'))} replace />;
  return <>{children}</>;
}
