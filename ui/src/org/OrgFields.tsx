import { SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import type { Organization, OrganizationWrite } from '../api/types';
import type { useApiForm } from '../lib/useApiForm';

/** Form values of an organization (create and edit). */
export interface OrgValues extends Record<string, unknown> {
  slug: string;
  name: string;
  description: string;
  email: string;
  phone: string;
  location: string;
}

export const EMPTY_ORG: OrgValues = { slug: '', name: '', description: '', email: '', phone: '', location: '' };

export const SLUG_MAX = 16;

/** Server field names (nested contact errors come flattened with dots) → form fields. */
export const ORG_FIELD_MAP: Record<string, keyof OrgValues & string> = {
  contact: 'email',
  'contact.email': 'email',
  'contact.phoneNumber': 'phone',
  'contact.location': 'location',
};

export function orgValues(org: Organization): OrgValues {
  return {
    slug: org.slug,
    name: org.name ?? '',
    description: org.description ?? '',
    email: org.contact?.email ?? '',
    phone: org.contact?.phoneNumber ?? '',
    location: org.contact?.location ?? '',
  };
}

export function orgBody(v: OrgValues): OrganizationWrite {
  return {
    slug: v.slug.trim(),
    name: v.name.trim(),
    description: v.description.trim(),
    contact: { email: v.email.trim(), phoneNumber: v.phone.trim(), location: v.location.trim() },
  };
}

/** Client-side checks matching the server's rules. */
export function validateOrg(v: OrgValues) {
  const slug = v.slug.trim();
  return {
    slug: !slug
      ? 'Enter a short name.'
      : slug.length > SLUG_MAX
        ? `Use at most ${SLUG_MAX} characters.`
        : !/^[-a-zA-Z0-9_]+$/.test(slug)
          ? 'Use only letters, digits, - and _ (no spaces).'
          : undefined,
    email: v.email.trim() && !/^[^\s@]+@[^\s@]+$/.test(v.email.trim()) ? 'Enter a valid email address.' : undefined,
  };
}

type OrgForm = ReturnType<typeof useApiForm<OrgValues>>;

/** Short name, Full name, Description, Email, Phone number, Location. */
export function OrgFields({ form, readOnly = false, autoFocus = false }: { form: OrgForm; readOnly?: boolean; autoFocus?: boolean }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
        <TextInput
          label="Short name"
          description="Shown in the menu. Letters, digits, - and _; up to 16."
          withAsterisk={!readOnly}
          readOnly={readOnly}
          maxLength={SLUG_MAX}
          autoCapitalize="none"
          spellCheck={false}
          data-autofocus={autoFocus || undefined}
          {...form.inputProps('slug')}
        />
        <TextInput label="Full name" description="Optional." readOnly={readOnly} maxLength={64} {...form.inputProps('name')} />
      </SimpleGrid>
      <Textarea label="Description" description="Optional." readOnly={readOnly} autosize minRows={2} maxRows={6} maxLength={4096} {...form.inputProps('description')} />
      <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="md">
        <TextInput label="Email" type="email" autoComplete="email" readOnly={readOnly} {...form.inputProps('email')} />
        <TextInput label="Phone number" type="tel" autoComplete="tel" readOnly={readOnly} maxLength={32} {...form.inputProps('phone')} />
        <TextInput label="Location" readOnly={readOnly} maxLength={256} {...form.inputProps('location')} />
      </SimpleGrid>
    </Stack>
  );
}
