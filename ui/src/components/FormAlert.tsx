import { Alert } from '@mantine/core';
import type { Ref } from 'react';
import { IconAlert } from './icons';
import { isLimitMessage } from '../billing/limits';
import { LimitNotice } from '../billing/LimitNotice';

/** The error alert at the top of a form: announced by screen readers and focusable. */
export function FormAlert({ message, ref, title = 'Something went wrong' }: { message: string | null; ref?: Ref<HTMLDivElement>; title?: string }) {
  if (!message) return null;
  if (isLimitMessage(message)) return <LimitNotice ref={ref} message={message} />;
  return (
    <Alert ref={ref} tabIndex={-1} role="alert" color="red" variant="light" title={title} icon={<IconAlert />}>
      {message}
    </Alert>
  );
}
