import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import { FormAlert } from '../../components/FormAlert';
import { IconCircleCheck } from '../../components/icons';
import { rules, useApiForm } from '../../lib/useApiForm';
import { AuthHeading } from './AuthHeading';

export default function PasswordResetConfirmPage() {
  const [params] = useSearchParams();
  const uid = params.get('uid') ?? '';
  const token = params.get('token') ?? '';
  const [done, setDone] = useState(false);

  const form = useApiForm({
    initialValues: { new_password1: '', new_password2: '' },
    validate: (v) => ({
      new_password1: rules.required(v.new_password1, 'Choose a new password.'),
      new_password2: rules.required(v.new_password2, 'Repeat the new password.') ?? rules.same(v.new_password1, v.new_password2),
    }),
  });

  const submit = form.onSubmit(async (v) => {
    await authApi.passwordResetConfirm({ uid, token, ...v });
    setDone(true);
  });

  if (!uid || !token) {
    return (
      <>
        <AuthHeading title="Choose a new password" />
        <Alert color="red" role="alert" title="This link is incomplete">
          Open the link from the email again, or ask for a new one.
        </Alert>
        <Button component={Link} to="/auth/password/reset" fullWidth mt="md">
          Send a new link
        </Button>
      </>
    );
  }

  if (done) {
    return (
      <>
        <AuthHeading title="Password changed" />
        <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status">
          Your password was changed and every device was signed out. Sign in with the new password.
        </Alert>
        <Button component={Link} to="/auth/login" fullWidth mt="md">
          Go to sign in
        </Button>
      </>
    );
  }

  return (
    <>
      <AuthHeading title="Choose a new password">Enter the new password in both fields.</AuthHeading>
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Choose a new password">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not change the password" />
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            withAsterisk
            autoFocus
            description="At least 8 characters, not only digits, not a common password."
            {...form.inputProps('new_password1')}
          />
          <PasswordInput label="Confirm new password" autoComplete="new-password" withAsterisk {...form.inputProps('new_password2')} />
          <Button type="submit" fullWidth loading={form.submitting} disabled={form.submitting}>
            Change password
          </Button>
        </Stack>
      </form>
      <Text size="sm" ta="center" mt="lg">
        Link expired?{' '}
        <Anchor component={Link} to="/auth/password/reset">
          Send a new one
        </Anchor>
      </Text>
    </>
  );
}
