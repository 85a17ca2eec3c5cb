import { ComingSoon } from '../components/ComingSoon';
import { IconUsers } from '../components/icons';
import { PageHeader } from '../components/PageHeader';
import { useActiveOrg } from '../org/useActiveOrg';

export default function OrganizationPage() {
  const [org] = useActiveOrg();
  return (
    <>
      <PageHeader title={org ? `Organization ${org}` : 'Organization'} description="Settings, members and invitations of the active organization." />
      <ComingSoon icon={<IconUsers size={24} />}>
        {org
          ? 'Organization settings and member management will be available here soon.'
          : 'You are in your personal workspace. Choose an organization from the user menu to see its page.'}
      </ComingSoon>
    </>
  );
}
