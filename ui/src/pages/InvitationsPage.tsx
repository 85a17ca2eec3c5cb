import { ComingSoon } from '../components/ComingSoon';
import { IconMail } from '../components/icons';
import { PageHeader } from '../components/PageHeader';

export default function InvitationsPage() {
  return (
    <>
      <PageHeader title="Invitations" description="Invitations to join organizations that are waiting for your answer." />
      <ComingSoon icon={<IconMail size={24} />}>Your pending invitations will be listed here soon.</ComingSoon>
    </>
  );
}
