import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import { FormAlert } from '../../components/FormAlert';
import { IconAlert, IconCircleCheck } from '../../components/icons';
import { rules, useApiForm } from '../../lib/useApiForm';
import { AuthHeading } from './AuthHeading';

export default function IncorrectEmailConfirmationPage() {
  const [params] = useSearchParams();
  // Reached from "ask for a new link" rather than from a broken link.
  const resendOnly = params.get('resend') === '1';
  const [sentTo, setSentTo] = useState<string | null>(null);
  const form = useApiForm({
    initialValues: { email: params.get('email') ?? '' },
    validate: (v) => ({ email: rules.email(v.email) }),
  });
  const submit = form.onSubmit(async (v) => {
    await authApi.resendConfirmation(v.email.trim());
    setSentTo(v.email.trim());
  });

  return (
    <>
      <AuthHeading title={resendOnly ? 'Send a new confirmation link' : 'This confirmation link does not work'} />
      {!resendOnly && (
        <Alert color="orange" variant="light" icon={<IconAlert />} mb="md">
          The link is invalid or has expired (links are valid for 3 days), or the email was already confirmed.
        </Alert>
      )}
      {sentTo ? (
        <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status" title="Link sent">
          If <b>{sentTo}</b> belongs to an account that still needs confirming, a new link is on its way.
        </Alert>
      ) : (
        <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Send a new confirmation link">
          <Stack gap="md">
            <Text size="sm">Enter your email and we will send a new confirmation link.</Text>
            <FormAlert ref={form.alertRef} message={form.formError} />
            <TextInput label="Email" type="email" autoComplete="email" withAsterisk {...form.inputProps('email')} />
            <Button type="submit" fullWidth loading={form.submitting} disabled={form.submitting}>
              Send a new link
            </Button>
          </Stack>
        </form>
      )}
      <Text size="sm" ta="center" mt="lg">
        <Anchor component={Link} to="/auth/login">
          Back to sign in
        </Anchor>
      </Text>
    </>
  );
}
