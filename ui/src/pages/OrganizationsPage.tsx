import { ComingSoon } from '../components/ComingSoon';
import { IconBuilding } from '../components/icons';
import { PageHeader } from '../components/PageHeader';

export default function OrganizationsPage() {
  return (
    <>
      <PageHeader title="Organizations" description="Teams you belong to and the workspace they share." />
      <ComingSoon icon={<IconBuilding size={24} />}>
        Creating organizations and switching between them will be available here soon.
      </ComingSoon>
    </>
  );
}
