import type { Ref } from 'react';
import { Alert, Anchor, Text } from '@mantine/core';
import { IconAlert } from '../components/icons';
import { limitUpgradePath } from './limits';

/**
 * A plan-limit refusal where the user acted: the server's message and an
 * "Upgrade" link to the plans page. Focusable, like FormAlert, so a form can
 * move the focus to it after a failed submit.
 */
export function LimitNotice({ message, ref, title = 'Plan limit reached' }: { message: string; ref?: Ref<HTMLDivElement>; title?: string }) {
  return (
    <Alert ref={ref} tabIndex={-1} role="alert" color="orange" variant="light" title={title} icon={<IconAlert />} data-limit-notice>
      <Text size="sm">{message}</Text>
      {/* A full page load: the refusal is often shown in a dialog that would otherwise stay open over the plans. */}
      <Anchor href={limitUpgradePath(message)} size="sm" fw={600} mt={6} display="inline-block">
        Upgrade your plan
      </Anchor>
    </Alert>
  );
}

/** The inline form of LimitNotice for a row error (e.g. one invitation of several). */
export function LimitText({ message }: { message: string }) {
  return (
    <>
      {message}{' '}
      <Anchor href={limitUpgradePath(message)} size="sm" fw={600}>
        Upgrade your plan
      </Anchor>
    </>
  );
}
