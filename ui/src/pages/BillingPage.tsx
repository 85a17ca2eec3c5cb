import { Link } from 'react-router';
import { Alert, Anchor, Badge, Button, Stack, Table, Text } from '@mantine/core';
import { billingApi } from '../billing/api';
import { InvoiceTable } from '../billing/InvoiceTable';
import { PERIOD_LABELS, subscriptionStatus } from '../billing/labels';
import { QuoteSection } from '../billing/QuoteSection';
import { PageHeader } from '../components/PageHeader';
import { PageLoader } from '../components/PageLoader';
import { Section } from '../components/Section';
import { formatDate } from '../lib/format';
import { useLoader } from '../lib/useLoader';

/** Billing home: my subscriptions (personal and organizations I own), invoice history, quotes. */
export default function BillingPage() {
  const subs = useLoader((signal) => billingApi.subscriptions({}, signal), []);
  const invoices = useLoader((signal) => billingApi.invoices({}, signal), []);
  const catalog = useLoader((signal) => billingApi.plans(signal), []);
  const planName = (id: string) => catalog.data?.plans.find((p) => p.id === id)?.name ?? id;

  return (
    <>
      <PageHeader
        title="Billing"
        description="Your subscriptions and invoices. Every workspace without a subscription is on the Free plan."
        actions={
          <Button component={Link} to="/billing/plans">
            See plans
          </Button>
        }
      />
      <Stack gap="lg">
        <Section id="subscriptions" title="Subscriptions">
          {subs.error ? (
            <Alert color="red" role="alert" title="Could not load your subscriptions">
              {subs.error}
            </Alert>
          ) : !subs.data ? (
            <PageLoader label="Loading subscriptions" />
          ) : subs.data.length === 0 ? (
            <Text size="sm">
              You have no paid plan yet.{' '}
              <Anchor component={Link} to="/billing/plans">
                Compare the plans
              </Anchor>
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="xs" aria-label="Subscriptions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Workspace</Table.Th>
                    <Table.Th>Plan</Table.Th>
                    <Table.Th>Period</Table.Th>
                    <Table.Th>Seats</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Next invoice</Table.Th>
                    <Table.Th>Manage</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {subs.data.map((s) => {
                    const st = subscriptionStatus(s);
                    const live = s.status === 'active' || s.status === 'past_due';
                    return (
                      <Table.Tr key={s.id}>
                        <Table.Td>{s.organization_id ? s.workspace_name : 'Personal workspace'}</Table.Td>
                        <Table.Td>{s.plan_name || planName(s.plan)}</Table.Td>
                        <Table.Td>{PERIOD_LABELS[s.period] ?? s.period}</Table.Td>
                        <Table.Td>{s.quantity}</Table.Td>
                        <Table.Td>
                          <Badge variant="dot" color={st.color}>
                            {st.label}
                          </Badge>
                        </Table.Td>
                        <Table.Td>{live && !s.cancel_at_period_end ? formatDate(s.current_period_end) : '—'}</Table.Td>
                        <Table.Td>
                          <Anchor component={Link} to={`/billing/subscriptions/${s.id}`} size="sm">
                            {`Manage ${s.plan_name || planName(s.plan)}${s.organization_id ? ` for ${s.workspace_name}` : ''}`}
                          </Anchor>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Section>
        <Section id="invoices" title="Invoice history" description="Show an invoice to print it or save it as PDF. Invoices are also emailed to the account owner.">
          {invoices.error ? (
            <Alert color="red" role="alert" title="Could not load your invoices">
              {invoices.error}
            </Alert>
          ) : invoices.data ? (
            <InvoiceTable invoices={invoices.data} caption="Invoice history" showWorkspace />
          ) : (
            <PageLoader label="Loading invoices" />
          )}
        </Section>
        {catalog.data ? <QuoteSection catalog={catalog.data} /> : null}
      </Stack>
    </>
  );
}
