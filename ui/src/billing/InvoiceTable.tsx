import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Anchor, Badge, Group, Table, Text, VisuallyHidden } from '@mantine/core';
import { formatDate } from '../lib/format';
import { billingApi } from './api';
import { invoiceStatus, KIND_LABELS } from './labels';
import { formatMoney } from './money';
import type { Invoice } from './types';

/** An open invoice that is paid by card on our payment page. */
export const payableByCard = (inv: Pick<Invoice, 'status' | 'kind' | 'payment_method'>) =>
  inv.status === 'open' && inv.kind === 'invoice' && inv.payment_method === 'card';

/** Invoice history: number, date, total, status, a printable view (new tab) and Pay for open card invoices. */
export function InvoiceTable({ invoices, caption, showWorkspace = false, actions, pay = !actions }: {
  invoices: Invoice[];
  caption: string;
  showWorkspace?: boolean;
  /** Extra controls per row (admin). */
  actions?: (inv: Invoice) => ReactNode;
  /** Link open card invoices to the payment page (default: unless `actions` makes this the admin's table). */
  pay?: boolean;
}) {
  if (!invoices.length) {
    return (
      <Text size="sm" c="dimmed">
        No invoices yet.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table verticalSpacing="xs" striped aria-label={caption}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Number</Table.Th>
            <Table.Th>Date</Table.Th>
            {showWorkspace ? <Table.Th>Workspace</Table.Th> : null}
            <Table.Th>Kind</Table.Th>
            <Table.Th ta="right">Total</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.map((inv) => {
            const st = invoiceStatus(inv);
            return (
              <Table.Tr key={inv.id} data-invoice={inv.number}>
                <Table.Td ff="monospace">{inv.number}</Table.Td>
                <Table.Td>{formatDate(inv.issued_date)}</Table.Td>
                {showWorkspace ? <Table.Td>{inv.bill_to?.workspace || '—'}</Table.Td> : null}
                <Table.Td>{KIND_LABELS[inv.kind] ?? inv.kind}</Table.Td>
                <Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatMoney(inv.total_cents, { currency: inv.currency })}
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={st.color}>
                    {st.label}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap="sm" wrap="nowrap" display="inline-flex">
                    <Anchor href={billingApi.printUrl(inv)} target="_blank" rel="noopener" size="sm">
                      Show <VisuallyHidden>{`${KIND_LABELS[inv.kind]?.toLowerCase() ?? 'invoice'} ${inv.number}`}</VisuallyHidden>
                    </Anchor>
                    {pay && payableByCard(inv) ? (
                      <Anchor component={Link} to={`/billing/invoices/${inv.id}/pay`} size="sm" fw={600}>
                        Pay <VisuallyHidden>{`invoice ${inv.number}`}</VisuallyHidden>
                      </Anchor>
                    ) : null}
                  </Group>
                  {actions ? actions(inv) : null}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
