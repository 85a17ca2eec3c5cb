import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Button, Skeleton, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import type { LinkedIdentity } from '../../api/types';
import { useCurrentUser } from '../../auth/UserContext';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ValidationError, errorMessage } from '../../api/errors';
import { IconAlert, IconInfo } from '../../components/icons';
import { Section } from '../../components/Section';
import { formatDateTime } from '../../lib/format';
import { useLoader } from '../../lib/useLoader';

/** "oidc:corp" → "Single sign-on (OpenID Connect)", and so on. */
export function identityKind(provider: string): string {
  const kind = provider.split(':', 1)[0];
  if (kind === 'oidc') return 'Single sign-on (OpenID Connect)';
  if (kind === 'saml') return 'Single sign-on (SAML)';
  if (kind === 'social') return 'Social account';
  return 'External account';
}

export function IdentitiesSection() {
  const { user } = useCurrentUser();
  const { data, error, loading, reload } = useLoader((signal) => authApi.identities(signal), []);
  const [unlinking, setUnlinking] = useState<LinkedIdentity | null>(null);
  // The server's reason when it keeps the last way to sign in (400), shown above the list.
  const [refusal, setRefusal] = useState<string | null>(null);
  const refusalRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (refusal) refusalRef.current?.focus();
  }, [refusal]);
  const identities = data?.results ?? [];
  const noPassword = user?.has_usable_password === false;

  return (
    <Section
      id="sign-in-methods"
      title="Linked sign-in methods"
      description="Identity providers and social accounts you can sign in with."
    >
      <Stack gap="md">
        {refusal ? (
          <Alert
            ref={refusalRef}
            tabIndex={-1}
            role="alert"
            color="red"
            variant="light"
            icon={<IconAlert />}
            title="Still linked"
            withCloseButton
            closeButtonLabel="Dismiss"
            onClose={() => setRefusal(null)}
          >
            {refusal}
            {noPassword ? (
              <>
                {' '}
                <Anchor component={Link} to="/auth/password/reset" inherit c="inherit" underline="always" fw={600}>
                  Set a password with “Forgot password?”
                </Anchor>
                .
              </>
            ) : null}
          </Alert>
        ) : null}
        {error ? (
          <Alert color="red" role="alert" title="Could not load sign-in methods">
            {error}
          </Alert>
        ) : loading && !data ? (
          <Stack gap="xs" aria-busy="true" aria-label="Loading sign-in methods">
            <Skeleton h={28} />
          </Stack>
        ) : identities.length === 0 ? (
          <Text c="dimmed" size="sm">
            No identity provider or social account is linked. You sign in with your password.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Provider</Table.Th>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Linked</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {identities.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {i.provider_name || i.provider}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {identityKind(i.provider)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{i.email || i.subject}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(i.created_date)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatDateTime(i.last_login)}</Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button size="xs" variant="subtle" color="red" onClick={() => setUnlinking(i)} aria-label={`Unlink ${i.provider_name || i.provider}`}>
                        Unlink
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>

      <ConfirmDialog
        opened={!!unlinking}
        onClose={() => setUnlinking(null)}
        title="Unlink this sign-in method?"
        confirmLabel="Unlink"
        onConfirm={async () => {
          if (!unlinking) return;
          setRefusal(null);
          try {
            await authApi.unlinkIdentity(unlinking.id);
          } catch (err) {
            // 400: the last way to sign in stays; say why next to the list. Other errors stay in the dialog.
            if (err instanceof ValidationError) {
              setRefusal(errorMessage(err));
              return;
            }
            throw err;
          }
          reload();
        }}
      >
        {unlinking
          ? `You will no longer be able to sign in with ${unlinking.provider_name || unlinking.provider}${unlinking.email ? ` (${unlinking.email})` : ''}.`
          : ''}
      </ConfirmDialog>
    </Section>
  );
}

/**
 * Stands in for "Change password" (same #password anchor) when the account
 * has no usable password: it was created through an identity provider.
 */
export function PasswordNotSetSection() {
  const { user } = useCurrentUser();
  return (
    <Section id="password" title="Password">
      <Alert color="blue" variant="light" icon={<IconInfo />} title="Password sign-in is not set">
        You sign in through a linked identity provider or social account. To be able to sign in with a password too,{' '}
        <Anchor component={Link} to="/auth/password/reset" inherit c="inherit" underline="always" fw={600}>
          choose one with “Forgot password?”
        </Anchor>{' '}
        and the link we email to {user?.email || 'you'}.
      </Alert>
    </Section>
  );
}
