import { useState } from 'react';
import { Alert, Button, Group, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { usersApi } from '../../api/endpoints';
import { useCurrentUser } from '../../auth/UserContext';
import { FormAlert } from '../../components/FormAlert';
import { IconCircleCheck } from '../../components/icons';
import { Section } from '../../components/Section';
import { formatDate } from '../../lib/format';
import { useApiForm } from '../../lib/useApiForm';

export function NamesSection() {
  const { user, setUser } = useCurrentUser();
  const [saved, setSaved] = useState(false);
  const form = useApiForm({
    initialValues: { first_name: user?.first_name ?? '', last_name: user?.last_name ?? '' },
  });
  if (!user) return null;

  const dirty = form.values.first_name !== user.first_name || form.values.last_name !== user.last_name;
  const submit = form.onSubmit(async (v) => {
    setSaved(false);
    const updated = await usersApi.update(user.id, { first_name: v.first_name.trim(), last_name: v.last_name.trim() });
    setUser({ ...user, ...updated });
    form.reset({ first_name: updated.first_name, last_name: updated.last_name });
    setSaved(true);
  });

  return (
    <Section id="account" title="Account" description={`Member since ${formatDate(user.date_joined)}.`}>
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Your name">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not save" />
          {saved && !dirty ? (
            <Alert color="green" variant="light" icon={<IconCircleCheck />} role="status" withCloseButton onClose={() => setSaved(false)} closeButtonLabel="Dismiss">
              Your name was saved.
            </Alert>
          ) : null}
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <TextInput label="Username" value={user.username} readOnly variant="filled" />
            <TextInput label="Email" value={user.email} readOnly variant="filled" />
            <TextInput label="First name" autoComplete="given-name" {...form.inputProps('first_name')} />
            <TextInput label="Last name" autoComplete="family-name" {...form.inputProps('last_name')} />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" loading={form.submitting} disabled={form.submitting || !dirty}>
              Save changes
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
