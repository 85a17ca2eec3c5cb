import { useNavigate } from 'react-router';
import { Button, Group, Modal, Stack } from '@mantine/core';
import { orgsApi } from '../api/endpoints';
import { FormAlert } from '../components/FormAlert';
import { useNotices } from '../components/Notices';
import { useApiForm } from '../lib/useApiForm';
import { EMPTY_ORG, ORG_FIELD_MAP, OrgFields, orgBody, validateOrg } from './OrgFields';
import { useOrgs } from './OrgContext';

/** The "Create organization" form; on success the new organization becomes active and its page opens. */
export function CreateOrganizationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const { upsert, switchTo } = useOrgs();
  const { notify } = useNotices();
  const form = useApiForm({ initialValues: EMPTY_ORG, fieldMap: ORG_FIELD_MAP, validate: validateOrg });

  const close = () => {
    if (form.submitting) return;
    form.reset();
    onClose();
  };

  const submit = form.onSubmit(async (v) => {
    const org = await orgsApi.create(orgBody(v));
    upsert(org);
    switchTo(org.slug);
    form.reset();
    onClose();
    notify({ color: 'green', title: 'Organization created', message: `“${org.slug}” is now your active workspace.` });
    navigate('/organization');
  });

  return (
    <Modal opened={opened} onClose={close} title="Create organization" centered size="lg">
      <form ref={form.formRef} onSubmit={submit} noValidate aria-label="Create organization">
        <Stack gap="md">
          <FormAlert ref={form.alertRef} message={form.formError} title="Could not create the organization" />
          <OrgFields form={form} autoFocus />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={close} disabled={form.submitting}>
              Cancel
            </Button>
            <Button type="submit" loading={form.submitting} disabled={form.submitting}>
              Submit
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
