import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Checkbox, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput, ThemeIcon } from '@mantine/core';
import { authApi, orgsApi } from '../../api/endpoints';
import { useAuthMethods } from '../../api/useServerInfo';
import { useCurrentUser } from '../../auth/UserContext';
import { useNotices } from '../../components/Notices';
import { FormAlert } from '../../components/FormAlert';
import { IconMail } from '../../components/icons';
import { sanitizeNext } from '../../lib/next';
import { rules, useApiForm } from '../../lib/useApiForm';
import { usernameFromEmail, validateUsername } from '../../lib/username';
import { AuthHeading } from './AuthHeading';

export function CheckYourEmail({ email }: { email: string }) {
  return (
    <Stack align="center" ta="center" gap="sm">
      <ThemeIcon size={56} radius="xl" variant="light">
        <IconMail size={28} />
      </ThemeIcon>
      <AuthHeading title="Check your email" />
      <Text mt={-16}>
        We sent a confirmation link to <b>{email}</b>. Open it to activate your account, then sign in.
      </Text>
      <Text size="sm" c="dimmed">
        No email after a few minutes? Look in your spam folder, or{' '}
        <Anchor component={Link} to="/auth/incorrect-email-confirmation?resend=1">
          ask for a new link
        </Anchor>
        .
      </Text>
      <Button component={Link} to="/auth/login" variant="light" mt="sm">
        Back to sign in
      </Button>
    </Stack>
  );
}

/** The login page, keeping `next` and an invitation key so single sign-on can still accept it. */
function loginHref(params: URLSearchParams): string {
  const q = new URLSearchParams();
  const next = params.get('next');
  if (next && sanitizeNext(next, '') !== '') q.set('next', sanitizeNext(next));
  const invitation = params.get('invitation');
  if (invitation) q.set('invitation', invitation);
  return q.size ? `/auth/login?${q.toString()}` : '/auth/login';
}

export function RegisterPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const invitation = params.get('invitation');
  const invitedEmail = invitation ? (params.get('email') ?? '') : '';
  const next = sanitizeNext(params.get('next'));
  const { refresh } = useCurrentUser();
  const { notify } = useNotices();
  const methods = useAuthMethods();
  // The username follows the email until the user types in it.
  const [usernameTouched, setUsernameTouched] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  const form = useApiForm({
    initialValues: {
      first_name: '',
      last_name: '',
      email: invitedEmail,
      username: usernameFromEmail(invitedEmail),
      password1: '',
      password2: '',
      terms: false,
    },
    fieldMap: { confirmations: 'terms' },
    validate: (v) => ({
      first_name: rules.required(v.first_name, 'Enter your first name.'),
      last_name: rules.required(v.last_name, 'Enter your last name.'),
      email: rules.email(v.email),
      username: validateUsername(v.username) ?? undefined,
      password1: rules.required(v.password1, 'Choose a password.'),
      password2: rules.required(v.password2, 'Repeat the password.') ?? rules.same(v.password1, v.password2),
      terms: v.terms ? undefined : 'You need to accept the terms of use to create an account.',
    }),
  });

  const onEmailChange = (value: string) => {
    form.setValue('email', value);
    if (!usernameTouched) form.setValue('username', usernameFromEmail(value));
  };

  const submit = form.onSubmit(async (v) => {
    const res = await authApi.register({
      username: v.username.trim(),
      email: v.email.trim(),
      password1: v.password1,
      password2: v.password2,
      first_name: v.first_name.trim(),
      last_name: v.last_name.trim(),
      confirmations: [{ name: 'terms_of_use', value: v.terms }],
      ...(invitation ? { invitation } : {}),
    });
    if (res.email_verification_required) {
      setSentTo(res.email || v.email.trim());
      return;
    }
    // No verification needed (or the invitation link proved the address): the server already started the session.
    const user = await refresh();
    if (user && invitation) {
      // The account joined the inviting organization; say which.
      const orgs = await orgsApi.list().then((p) => p.results, () => []);
      const names = orgs.map((o) => o.name || o.slug);
      if (names.length) {
        notify({
          color: 'green',
          title: 'Welcome to Gatehouse',
          message: `You are now a member of ${names.join(', ')}. Choose it in the user menu under Organization to work in it.`,
          action: { label: 'See your organizations', to: '/organizations' },
          autoClose: 15000,
        });
      }
    }
    navigate(user ? next : '/auth/login', { replace: true });
  });

  if (sentTo) return <CheckYourEmail email={sentTo} />;
  // An invitation link still works when open sign-up is closed.
  if (methods?.registration === false && !invitation) {
    return (
      <>
        <AuthHeading title="Create an account" />
        <Alert color="yellow" variant="light" title="Sign-up is closed">
          New accounts on this server are created by invitation or by an administrator.
        </Alert>
        <Button component={Link} to="/auth/login" variant="light" fullWidth mt="md">
          Back to sign in
        </Button>
      </>
    );
  }
  const termsUrl = methods?.terms_of_use_url;

  const emailProps = form.inputProps('email');
  return (
    <>
      <AuthHeading title="Create an account">
        {invitation ? 'You were invited to join an organization. Create your account to accept.' : 'It takes a minute.'}
      </AuthHeading>
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Create an account">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not create the account" />
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
            <TextInput label="First name" autoComplete="given-name" withAsterisk autoFocus {...form.inputProps('first_name')} />
            <TextInput label="Last name" autoComplete="family-name" withAsterisk {...form.inputProps('last_name')} />
          </SimpleGrid>
          <TextInput
            label="Email"
            type="email"
            autoComplete="email"
            withAsterisk
            readOnly={!!invitation && !!invitedEmail}
            description={invitation && invitedEmail ? 'The address your invitation was sent to.' : undefined}
            {...emailProps}
            onChange={(e) => onEmailChange(e.currentTarget.value)}
          />
          <TextInput
            label="Username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            withAsterisk
            description="Filled in from your email; you can change it. 5–150 letters, digits and @ . + - _"
            {...form.inputProps('username')}
            onChange={(e) => {
              setUsernameTouched(true);
              form.setValue('username', e.currentTarget.value);
            }}
          />
          <PasswordInput
            label="Password"
            autoComplete="new-password"
            withAsterisk
            description="At least 8 characters, not only digits, not a common password."
            {...form.inputProps('password1')}
          />
          <PasswordInput label="Confirm password" autoComplete="new-password" withAsterisk {...form.inputProps('password2')} />
          <Checkbox
            label={
              termsUrl ? (
                <>
                  I accept the{' '}
                  <Anchor href={termsUrl} target="_blank" rel="noopener noreferrer">
                    terms of use
                  </Anchor>
                </>
              ) : (
                'I accept the terms of use'
              )
            }
            {...form.checkboxProps('terms')}
          />
          <Button type="submit" fullWidth loading={form.submitting} disabled={form.submitting}>
            Create an account
          </Button>
        </Stack>
      </form>
      <Group justify="center" mt="lg" gap={6}>
        <Text size="sm">Already have an account?</Text>
        <Anchor component={Link} to={loginHref(params)} size="sm">
          Sign in
        </Anchor>
      </Group>
    </>
  );
}

export default RegisterPage;
