import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { Stack } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';
import { useCurrentUser } from '../auth/UserContext';
import { IdentitiesSection, PasswordNotSetSection } from './profile/IdentitiesSection';
import { NamesSection } from './profile/NamesSection';
import { PasswordSection } from './profile/PasswordSection';
import { SessionsSection } from './profile/SessionsSection';
import { TokensSection } from './profile/TokensSection';

export default function ProfilePage() {
  const { hash } = useLocation();
  const { user } = useCurrentUser();
  // Accounts made through an identity provider have no password to change yet.
  const noPassword = user?.has_usable_password === false;

  // /profile#password (the user menu's "Change password") scrolls to that section and moves focus there.
  useEffect(() => {
    if (!hash) return;
    const id = decodeURIComponent(hash.slice(1));
    const section = document.getElementById(id);
    if (!section) return;
    section.scrollIntoView({ block: 'start' });
    const first = section.querySelector<HTMLElement>('input:not([type=hidden]):not([readonly])');
    (first ?? document.getElementById(`${id}-heading`))?.focus();
  }, [hash]);

  return (
    <>
      <PageHeader title="Profile" description="Your account, password, linked sign-in methods, signed-in devices and access tokens." />
      <Stack gap="lg" maw={960}>
        <NamesSection />
        {noPassword ? <PasswordNotSetSection /> : <PasswordSection />}
        <IdentitiesSection />
        <SessionsSection />
        <TokensSection />
      </Stack>
    </>
  );
}
