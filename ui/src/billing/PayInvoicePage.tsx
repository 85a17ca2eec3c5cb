import { Link, useParams } from 'react-router';
import { Alert, Anchor, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { formatDate } from '../lib/format';
import { useLoader } from '../lib/useLoader';
import { billingApi } from './api';
import { CardPayment } from './CardPayment';
import { invoiceStatus } from './labels';
import { formatMoney } from './money';
import type { InvoicePayment } from './types';

/**
 * Pays an open invoice by card (/billing/invoices/:id/pay): asks the server
 * to start the card payment, then Stripe.js's card form on this page.
 */
export default function PayInvoicePage() {
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const { data, error } = useLoader(async (signal): Promise<InvoicePayment> => {
    const invoice = await billingApi.invoice(id, signal);
    if (invoice.status !== 'open') return { invoice, payment: null };
    return billingApi.payInvoice(id, 'card', signal);
  }, [id]);

  let body;
  if (error) {
    body = (
      <Alert color="red" role="alert" title="This invoice cannot be paid here">
        {error}{' '}
        <Anchor component={Link} to="/billing">
          Back to billing
        </Anchor>
      </Alert>
    );
  } else if (!data) {
    body = <PageLoader label="Preparing the payment" />;
  } else {
    const { invoice, payment } = data;
    const subLink = invoice.subscription_id ? `/billing/subscriptions/${invoice.subscription_id}` : '/billing';
    let pay;
    if (invoice.status === 'paid') {
      pay = (
        <Alert color="green" role="status" title="Already paid">
          {`Invoice ${invoice.number} was paid${invoice.paid_date ? ` on ${formatDate(invoice.paid_date)}` : ''}. `}
          <Anchor component={Link} to={subLink}>
            Go to the subscription
          </Anchor>
        </Alert>
      );
    } else if (invoice.status !== 'open') {
      pay = (
        <Alert color="yellow" role="alert" title="Nothing to pay">
          {`Invoice ${invoice.number} is ${invoiceStatus(invoice).label.toLowerCase()}; it cannot be paid.`}
        </Alert>
      );
    } else if (payment?.client_secret && payment.publishable_key) {
      pay = <CardPayment invoice={invoice} payment={payment} email={invoice.bill_to?.email} />;
    } else {
      pay = (
        <Alert color="yellow" role="alert" title="Card payment is not available">
          {payment?.instructions || 'This server does not take card payments right now. Pay the invoice by bank transfer instead.'}
        </Alert>
      );
    }
    body = (
      <Stack gap="lg">
        <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="pay-invoice-heading">
          <Title order={2} fz="lg" id="pay-invoice-heading" mb="sm">
            Invoice
          </Title>
          <Table variant="vertical" layout="fixed" withTableBorder={false}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={180}>Number</Table.Th>
                <Table.Td ff="monospace">{invoice.number}</Table.Td>
              </Table.Tr>
              {invoice.bill_to?.workspace ? (
                <Table.Tr>
                  <Table.Th>Workspace</Table.Th>
                  <Table.Td>{invoice.bill_to.workspace}</Table.Td>
                </Table.Tr>
              ) : null}
              <Table.Tr>
                <Table.Th>Issued</Table.Th>
                <Table.Td>{formatDate(invoice.issued_date)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Amount due</Table.Th>
                <Table.Td fw={700} data-amount>
                  {formatMoney(invoice.total_cents, { currency: invoice.currency })}
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Anchor href={billingApi.printUrl(invoice)} target="_blank" rel="noopener" size="sm">
            Show the invoice
          </Anchor>
        </Paper>
        <Paper withBorder radius="lg" p="lg" component="section" aria-labelledby="pay-card-heading">
          <Title order={2} fz="lg" id="pay-card-heading" mb="sm">
            Pay by card
          </Title>
          {pay}
        </Paper>
        <Text size="sm">
          <Anchor component={Link} to={subLink}>
            Back to the subscription
          </Anchor>
        </Text>
      </Stack>
    );
  }
  return (
    <>
      <PageHeader title="Pay invoice" description={data ? `Invoice ${data.invoice.number}` : undefined} />
      <Stack maw={760}>{body}</Stack>
    </>
  );
}
