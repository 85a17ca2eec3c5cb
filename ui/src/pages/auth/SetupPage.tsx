import { useNavigate, useSearchParams } from 'react-router';
import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import { FormAlert } from '../../components/FormAlert';
import { rules, useApiForm } from '../../lib/useApiForm';
import { validateUsername } from '../../lib/username';
import { AuthHeading } from './AuthHeading';

/** First start: the one-time setup link printed by the server creates the first administrator. */
export default function SetupPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const form = useApiForm({
    initialValues: { username: '', email: '', password1: '', password2: '' },
    validate: (v) => ({
      username: validateUsername(v.username) ?? undefined,
      email: rules.email(v.email),
      password1: rules.required(v.password1, 'Choose a password.'),
      password2: rules.required(v.password2, 'Repeat the password.') ?? rules.same(v.password1, v.password2),
    }),
  });

  const submit = form.onSubmit(async (v) => {
    await authApi.setup({ token, username: v.username.trim(), email: v.email.trim(), password1: v.password1, password2: v.password2 });
    navigate('/auth/login', {
      replace: true,
      state: { notice: 'The administrator account is ready. Sign in with it.', identifier: v.username.trim() },
    });
  });

  if (!token) {
    return (
      <>
        <AuthHeading title="Set up Gatehouse" />
        <Alert color="red" role="alert" title="The setup link is incomplete">
          Open the setup link printed by the server when it started. It is valid for one hour; restart the server to get a
          new one, or create the administrator with <code>gatehouse admin create</code>.
        </Alert>
      </>
    );
  }

  return (
    <>
      <AuthHeading title="Set up Gatehouse">Create the first administrator account of this server.</AuthHeading>
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Create the administrator">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not create the administrator" />
          <TextInput label="Username" autoComplete="username" autoCapitalize="none" spellCheck={false} withAsterisk autoFocus {...form.inputProps('username')} />
          <TextInput label="Email" type="email" autoComplete="email" withAsterisk {...form.inputProps('email')} />
          <PasswordInput label="Password" autoComplete="new-password" withAsterisk {...form.inputProps('password1')} />
          <PasswordInput label="Confirm password" autoComplete="new-password" withAsterisk {...form.inputProps('password2')} />
          <Button type="submit" fullWidth loading={form.submitting} disabled={form.submitting}>
            Create administrator
          </Button>
        </Stack>
      </form>
    </>
  );
}
