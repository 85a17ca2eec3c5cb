import { ComingSoon } from '../components/ComingSoon';
import { IconReceipt } from '../components/icons';
import { PageHeader } from '../components/PageHeader';

export default function BillingPage() {
  return (
    <>
      <PageHeader title="Billing" description="Plans, subscriptions and invoices." />
      <ComingSoon icon={<IconReceipt size={24} />}>Plans and invoices will be available here soon.</ComingSoon>
    </>
  );
}
