import { useState } from 'react';
import { Alert, Button, Group, PasswordInput, Stack } from '@mantine/core';
import { useCurrentUser } from '../../auth/UserContext';
import { authApi } from '../../api/endpoints';
import { FormAlert } from '../../components/FormAlert';
import { IconCircleCheck } from '../../components/icons';
import { Section } from '../../components/Section';
import { rules, useApiForm } from '../../lib/useApiForm';

const EMPTY = { old_password: '', new_password1: '', new_password2: '' };

export function PasswordSection() {
  const { user } = useCurrentUser();
  const [changed, setChanged] = useState(false);
  const form = useApiForm({
    initialValues: EMPTY,
    validate: (v) => ({
      old_password: rules.required(v.old_password, 'Enter your current password.'),
      new_password1: rules.required(v.new_password1, 'Choose a new password.'),
      new_password2: rules.required(v.new_password2, 'Repeat the new password.') ?? rules.same(v.new_password1, v.new_password2),
    }),
  });

  const submit = form.onSubmit(async (v) => {
    setChanged(false);
    await authApi.passwordChange(v);
    form.reset(EMPTY);
    setChanged(true);
  });

  return (
    <Section id="password" title="Change password" description="Changing it signs you out everywhere else and revokes your other sessions.">
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Change password">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not change the password" />
          {changed ? (
            <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status" withCloseButton onClose={() => setChanged(false)} closeButtonLabel="Dismiss">
              Your password was changed. Other devices were signed out.
            </Alert>
          ) : null}
          {/* Lets password managers know which account this is. */}
          <input type="text" name="username" autoComplete="username" hidden readOnly value={user?.username ?? ''} />
          <Stack gap="md" maw={440}>
            <PasswordInput label="Current password" autoComplete="current-password" withAsterisk {...form.inputProps('old_password')} />
            <PasswordInput
              label="New password"
              autoComplete="new-password"
              withAsterisk
              description="At least 8 characters, not only digits, not a common password."
              {...form.inputProps('new_password1')}
            />
            <PasswordInput label="Confirm new password" autoComplete="new-password" withAsterisk {...form.inputProps('new_password2')} />
          </Stack>
          <Group>
            <Button type="submit" loading={form.submitting} disabled={form.submitting}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
