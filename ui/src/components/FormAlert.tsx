import { Alert } from '@mantine/core';
import type { Ref } from 'react';
import { IconAlert } from './icons';

/** The error alert at the top of a form: announced by screen readers and focusable. */
export function FormAlert({ message, ref, title = 'Something went wrong' }: { message: string | null; ref?: Ref<HTMLDivElement>; title?: string }) {
  if (!message) return null;
  return (
    <Alert ref={ref} tabIndex={-1} role="alert" color="red" variant="light" title={title} icon={<IconAlert />}>
      {message}
    </Alert>
  );
}
