import { List, Modal, Stack, Text } from '@mantine/core';

/** The refund policy people agree to before paying (in the product's own words). */
export function RefundPolicyText() {
  return (
    <Stack gap="sm">
      <Text size="sm">
        Subscriptions are paid in advance for a month or a year. When you cancel, the plan stays in force until the end of the period you paid for, and no
        further invoice is issued.
      </Text>
      <List size="sm" spacing={4}>
        <List.Item>Cancel the subscription before you ask for a refund.</List.Item>
        <List.Item>Write to the support team with your username, the email address of your account, the last invoice number and the reason.</List.Item>
        <List.Item>An approved refund is issued as a credit note and goes back to the way you paid within 5 to 10 business days.</List.Item>
        <List.Item>Seats removed during a period are not refunded; their unused part is deducted from your next invoice instead.</List.Item>
        <List.Item>Paid invoices cannot be changed. New billing details apply to future invoices only.</List.Item>
      </List>
    </Stack>
  );
}

export function RefundPolicyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Refund policy" centered size="lg">
      <RefundPolicyText />
    </Modal>
  );
}
