import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import { FormAlert } from '../../components/FormAlert';
import { IconCircleCheck } from '../../components/icons';
import { rules, useApiForm } from '../../lib/useApiForm';
import { AuthHeading } from './AuthHeading';

export default function PasswordResetPage() {
  const [sent, setSent] = useState(false);
  const form = useApiForm({
    initialValues: { email: '' },
    validate: (v) => ({ email: rules.email(v.email) }),
  });

  const submit = form.onSubmit(async (v) => {
    await authApi.passwordReset(v.email.trim());
    setSent(true);
  });

  return (
    <>
      <AuthHeading title="Reset your password">
        Enter the email you registered with and we will send you a link to choose a new password.
      </AuthHeading>
      {sent ? (
        <Stack gap="md">
          <Alert color="green" variant="light" icon={<IconCircleCheck />} title="Check your email" role="status">
            If an account exists for <b>{form.values.email.trim()}</b>, we sent it a link to reset the password. The link
            works once, for 24 hours.
          </Alert>
          <Button variant="default" onClick={() => setSent(false)}>
            Use another address
          </Button>
        </Stack>
      ) : (
        <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Reset your password">
          <Stack gap="md">
            <FormAlert ref={form.alertRef} message={form.formError} />
            <TextInput label="Email" type="email" autoComplete="email" withAsterisk autoFocus {...form.inputProps('email')} />
            <Button type="submit" fullWidth loading={form.submitting} disabled={form.submitting}>
              Send
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
