import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { useAuthMethods } from '../../api/useServerInfo';
import type { AuthMethods } from '../../api/types';
import { useDocumentTitle } from '../../components/DocumentTitle';
import { IconAlert } from '../../components/icons';

/** What to say for one reason code: a title, what happened, and what to do now. */
interface ReasonText {
  title: string;
  what: (idp: string) => string;
  next: string;
}

// The server redirects to /auth/error?reason=<code>&idp=<name> when a sign-in
// through an identity provider fails (see the SSO error codes in the README).
export const REASONS: Record<string, ReasonText> = {
  access_denied: {
    title: 'Sign-in was cancelled',
    what: (idp) => `${idp} did not let you continue to Gatehouse: access was refused or the request was cancelled.`,
    next: 'Try again and allow access when asked. If you did not cancel, ask your administrator whether your account may use Gatehouse.',
  },
  bad_state: {
    title: 'This sign-in link has expired',
    what: () => 'The sign-in took too long, was finished in another tab or browser, or its address was changed on the way.',
    next: 'Start again from the sign-in page, in this browser, and finish within a few minutes.',
  },
  bad_signature: {
    title: 'The sign-in could not be verified',
    what: (idp) => `The answer from ${idp} did not pass a security check, so Gatehouse did not trust it.`,
    next: 'Try again. If it keeps happening, tell your administrator: the server log says which check failed.',
  },
  idp_unavailable: {
    title: 'The identity provider is not answering',
    what: (idp) => `Gatehouse could not reach ${idp}, or it did not complete the sign-in.`,
    next: 'Wait a few minutes and try again, or sign in with your password if you have one.',
  },
  email_not_verified: {
    title: 'Your email address is not verified',
    what: (idp) =>
      `An account with your email address already exists, but ${idp} did not confirm that the address is yours, so the two cannot be joined.`,
    next: 'Sign in with your password instead, or confirm your email address with the identity provider and try again.',
  },
  no_email: {
    title: 'No email address was shared',
    what: (idp) => `${idp} did not tell Gatehouse your email address, and an account needs one.`,
    next: 'Allow sharing your email address (or add one to your account there), then try again.',
  },
  account_inactive: {
    title: 'This account is deactivated',
    what: () => 'You were recognised, but your Gatehouse account has been deactivated.',
    next: 'Ask your administrator to reactivate it.',
  },
  registration_disabled: {
    title: 'You do not have an account yet',
    what: () => 'There is no Gatehouse account for you, and this server does not create accounts on first sign-in.',
    next: 'Ask an administrator for an account or an invitation, then sign in again.',
  },
  unknown_idp: {
    title: 'Unknown sign-in provider',
    what: () => 'The sign-in named an identity provider this server does not know. It may have been renamed or removed.',
    next: 'Start again from the sign-in page and choose how to sign in.',
  },
  invalid_response: {
    title: 'The sign-in answer was not understood',
    what: (idp) => `${idp} sent back something Gatehouse could not read.`,
    next: 'Try again. If it keeps happening, tell your administrator.',
  },
};

export const FALLBACK: ReasonText = {
  title: 'Sign-in did not work',
  what: () => 'Something went wrong while signing in through an identity provider.',
  next: 'Try again from the sign-in page. If it keeps happening, tell your administrator.',
};

const GENERIC_IDP = 'The identity provider';

/**
 * The provider's name to show: only when it is the name of a configured
 * identity provider or social account, so a crafted link cannot put its own
 * words on this page.
 */
export function knownIdpName(raw: string | null, methods: AuthMethods | null): string | null {
  if (!raw || !methods) return null;
  const names = [...(methods.sso.identity_providers ?? []).map((p) => p.name), ...(methods.social ?? []).map((p) => p.name)];
  return names.find((n) => n && n === raw) ?? null;
}

/** Lower-cases the article when the generic name lands mid-sentence. */
function sentence(text: string): string {
  return text.replace(/(.)The identity provider/g, '$1the identity provider');
}

export function SsoErrorPage() {
  const [params] = useSearchParams();
  const methods = useAuthMethods();
  const code = params.get('reason') ?? '';
  const reason = (Object.hasOwn(REASONS, code) ? REASONS[code] : undefined) ?? FALLBACK;
  const idp = knownIdpName(params.get('idp'), methods) ?? GENERIC_IDP;
  const headingRef = useRef<HTMLHeadingElement>(null);
  useDocumentTitle(reason.title);

  // Screen readers and keyboards start at the heading of what went wrong.
  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  return (
    <Stack gap="md">
      <Title order={1} fz={24} ref={headingRef} tabIndex={-1} style={{ outline: 'none' }}>
        {reason.title}
      </Title>
      <Alert role="alert" color="red" variant="light" icon={<IconAlert />} title="Could not sign you in">
        {sentence(reason.what(idp))}
      </Alert>
      <Stack gap={4}>
        <Text fw={600} size="sm">
          What to do now
        </Text>
        <Text size="sm">{reason.next}</Text>
      </Stack>
      <Button component={Link} to="/auth/login" fullWidth>
        Back to sign in
      </Button>
    </Stack>
  );
}

export default SsoErrorPage;
