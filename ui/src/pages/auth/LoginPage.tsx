import { useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Alert, Anchor, Button, Divider, Group, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { authApi } from '../../api/endpoints';
import { errorMessage, NotFoundError } from '../../api/errors';
import { useAuthMethods } from '../../api/useServerInfo';
import { useCurrentUser } from '../../auth/UserContext';
import { FormAlert } from '../../components/FormAlert';
import { IconCircleCheck } from '../../components/icons';
import { sanitizeNext } from '../../lib/next';
import { rules, useApiForm } from '../../lib/useApiForm';
import { AuthHeading } from './AuthHeading';

type Step = 'identifier' | 'password' | 'sso';

/** What the server's SSO/social login URLs carry through the round trip to the identity provider. */
export interface LoginCarry {
  /** Same-site path to open after signing in (already sanitized), or null. */
  next: string | null;
  /** Invitation key from a sign-up link, accepted once signed in. */
  invitation: string | null;
}

/**
 * The server's login URL with `next` and `invitation` added. Only our own
 * login URLs get them (they 302 to the identity provider); a URL on another
 * site is returned as is. Returns null for anything that is not http(s).
 */
export function externalLoginHref(url: string, carry: LoginCarry): string | null {
  let target: URL;
  try {
    target = new URL(url, window.location.origin);
  } catch {
    return null;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
  if (target.origin !== window.location.origin) return target.href;
  if (carry.next && carry.next !== '/') target.searchParams.set('next', carry.next);
  if (carry.invitation) target.searchParams.set('invitation', carry.invitation);
  return target.pathname + target.search + target.hash;
}

/** Leaves the single-page app for another address (replaced in tests). */
export const browserNavigation = {
  assign: (href: string) => window.location.assign(href),
};

/** Follows an SSO/social login URL given by the server; false when the URL is not usable. */
function goTo(url: string, carry: LoginCarry): boolean {
  const href = externalLoginHref(url, carry);
  if (!href) return false;
  browserNavigation.assign(href);
  return true;
}

export function LoginPage() {
  const navigate = useNavigate();
  const location = useLocation();
  // Pages that end in "now sign in" (first-admin setup) pass a notice and the username.
  const notice = (location.state as { notice?: string; identifier?: string } | null) ?? null;
  const [params] = useSearchParams();
  const next = sanitizeNext(params.get('next'));
  const carry: LoginCarry = { next: params.get('next') ? next : null, invitation: params.get('invitation') || null };
  const selectCarry = { ...(carry.next ? { next: carry.next } : {}), ...(carry.invitation ? { invitation: carry.invitation } : {}) };
  const { refresh } = useCurrentUser();
  const methods = useAuthMethods();
  const [step, setStep] = useState<Step>('identifier');
  // Set while the browser leaves for the identity provider: the name shown in the status line.
  const [redirecting, setRedirecting] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const identifierRef = useRef<HTMLInputElement>(null);

  const form = useApiForm({
    initialValues: { identifier: notice?.identifier ?? '', password: '' },
    fieldMap: { username: 'identifier', email: 'identifier' },
    validate: (v) => ({
      identifier:
        step === 'sso' ? rules.email(v.identifier) : rules.required(v.identifier, 'Enter your username or email.'),
      password: step === 'password' ? rules.required(v.password, 'Enter your password.') : undefined,
    }),
  });

  // When the password field appears, put the cursor in it.
  useEffect(() => {
    if (step === 'password') passwordRef.current?.focus();
    if (step === 'sso') identifierRef.current?.focus();
  }, [step]);

  const ssoEnabled = methods?.sso.enabled ?? false;
  // "lowest_weight": one provider for everybody, whatever the email; "email_address": by domain.
  const byWeight = methods?.sso.selection_mode === 'lowest_weight';
  const [ssoError, setSsoError] = useState<string | null>(null);

  /** "Continue with SSO" when the provider does not depend on the email: go straight there. */
  const continueWithSso = async () => {
    setSsoError(null);
    try {
      const sel = await authApi.ssoSelect('', selectCarry);
      if (goTo(sel.login_url, carry)) setRedirecting(sel.idp?.name || 'your organization’s sign-in');
      else setSsoError('The sign-in address of this identity provider is not valid. Contact your administrator.');
    } catch (err) {
      setSsoError(errorMessage(err));
    }
  };
  const social = methods?.social ?? [];

  const submit = form.onSubmit(async (v) => {
    const identifier = v.identifier.trim();
    if (step === 'sso') {
      try {
        const sel = await authApi.ssoSelect(identifier, selectCarry);
        if (goTo(sel.login_url, carry)) setRedirecting(sel.idp?.name || 'your organization’s sign-in');
        else form.setFormError('The sign-in address of this identity provider is not valid. Contact your administrator.');
      } catch (err) {
        if (err instanceof NotFoundError) {
          form.setErrors({ identifier: 'No single sign-on provider is set up for this email address.' });
          return;
        }
        throw err;
      }
      return;
    }
    if (step === 'identifier') {
      // An email whose domain belongs to an identity provider goes to SSO instead.
      if (ssoEnabled && !byWeight && identifier.includes('@')) {
        try {
          const sel = await authApi.ssoSelect(identifier, selectCarry);
          if (sel?.login_url && goTo(sel.login_url, carry)) {
            setRedirecting(sel.idp?.name || 'your organization’s sign-in');
            return;
          }
        } catch {
          /* no matching provider: continue with a password */
        }
      }
      setStep('password');
      return;
    }
    await authApi.login(identifier, v.password);
    const user = await refresh();
    if (!user) {
      form.setFormError('You were signed in, but the session could not be kept. Check that cookies are enabled for this site.');
      return;
    }
    navigate(next, { replace: true });
  });

  const registerQuery = new URLSearchParams();
  if (params.get('next')) registerQuery.set('next', next);
  if (carry.invitation) registerQuery.set('invitation', carry.invitation);
  const registerHref = registerQuery.size ? `/auth/register?${registerQuery.toString()}` : '/auth/register';

  return (
    <>
      <AuthHeading title={step === 'sso' ? 'Single sign-on' : 'Sign in'}>
        {step === 'sso' ? 'Enter your work email to continue with your organization’s sign-in.' : 'Welcome back to Gatehouse.'}
      </AuthHeading>
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Sign in">
        <Stack gap="md">
          {notice?.notice && !form.formError ? (
            <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status">
              {notice.notice}
            </Alert>
          ) : null}
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not sign in" />
          {form.formError && /verif/i.test(form.formError) ? (
            <Text size="sm">
              Confirm your email with the link we sent, or{' '}
              <Anchor component={Link} to={`/auth/incorrect-email-confirmation?resend=1&email=${encodeURIComponent(form.values.identifier.includes('@') ? form.values.identifier.trim() : '')}`}>
                ask for a new link
              </Anchor>
              .
            </Text>
          ) : null}
          <TextInput
            ref={identifierRef}
            label={step === 'sso' ? 'Work email' : 'Username or email'}
            autoComplete={step === 'sso' ? 'email' : 'username'}
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            withAsterisk
            {...form.inputProps('identifier')}
          />
          {step === 'password' && (
            <PasswordInput
              ref={passwordRef}
              label="Password"
              autoComplete="current-password"
              withAsterisk
              {...form.inputProps('password')}
            />
          )}
          {step !== 'sso' && (
            <Group justify="flex-end" mt={-8}>
              <Anchor component={Link} to="/auth/password/reset" size="sm">
                Forgot password?
              </Anchor>
            </Group>
          )}
          {redirecting ? (
            <Text size="sm" role="status">
              Taking you to {redirecting}…
            </Text>
          ) : null}
          <Button type="submit" fullWidth loading={form.submitting || !!redirecting} disabled={form.submitting || !!redirecting}>
            {step === 'password' ? 'Sign in' : step === 'sso' ? 'Continue' : 'Next'}
          </Button>
          {step === 'sso' && (
            <Button variant="subtle" onClick={() => setStep('identifier')}>
              Back to password sign-in
            </Button>
          )}
        </Stack>
      </form>

      {step !== 'sso' && (ssoEnabled || social.length > 0) && (
        <>
          <Divider label="or" labelPosition="center" my="lg" />
          <Stack gap="xs">
            <FormAlert message={ssoError} title="Could not start single sign-on" />
            {ssoEnabled && (
              <Button
                variant="default"
                fullWidth
                loading={byWeight && !!redirecting}
                onClick={() => (byWeight ? void continueWithSso() : setStep('sso'))}
              >
                Continue with SSO
              </Button>
            )}
            {social.map((p) => (
              <Button key={p.provider} variant="default" fullWidth component="a" href={externalLoginHref(p.login_url, carry) ?? undefined}>
                Continue with {p.name}
              </Button>
            ))}
          </Stack>
        </>
      )}

      {methods?.registration !== false && (
        <Text size="sm" ta="center" mt="lg">
          New to Gatehouse?{' '}
          <Anchor component={Link} to={registerHref}>
            Create an account
          </Anchor>
        </Text>
      )}
    </>
  );
}

export default LoginPage;
