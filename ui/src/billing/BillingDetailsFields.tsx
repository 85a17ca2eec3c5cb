import { Checkbox, Stack, Textarea, TextInput } from '@mantine/core';
import type { BillingDetails } from './types';

export const EMPTY_DETAILS: BillingDetails = { phone: '', address: '', is_business: false, business_name: '', vat_id: '' };

/** Server field names (nested or flat) → the form's fields. */
export const DETAILS_FIELD_MAP: Record<string, keyof BillingDetails & string> = {
  'billing_details.phone': 'phone',
  'billing_details.address': 'address',
  'billing_details.is_business': 'is_business',
  'billing_details.business_name': 'business_name',
  'billing_details.vat_id': 'vat_id',
};

export function validateDetails(v: BillingDetails): Partial<Record<keyof BillingDetails, string>> {
  const errors: Partial<Record<keyof BillingDetails, string>> = {};
  const phone = v.phone.trim();
  if (!phone) errors.phone = 'Enter a phone number for the invoice.';
  else if (phone.length > 32 || !/^[0-9 +().-]+$/.test(phone)) errors.phone = 'Use digits, spaces and + - ( ) . only (at most 32).';
  if (!v.address.trim()) errors.address = 'Enter the billing address for the invoice.';
  if (v.is_business && !v.business_name.trim()) errors.business_name = 'Enter the business name for the invoice.';
  return errors;
}

/** The editable part of stored details. */
export function detailsOf(d: Partial<BillingDetails> | null | undefined): BillingDetails {
  return {
    phone: d?.phone ?? '',
    address: d?.address ?? '',
    is_business: d?.is_business ?? false,
    business_name: d?.business_name ?? '',
    vat_id: d?.vat_id ?? '',
  };
}

export function detailsBody(v: BillingDetails): BillingDetails {
  return {
    phone: v.phone.trim(),
    address: v.address.trim(),
    is_business: v.is_business,
    business_name: v.is_business ? v.business_name.trim() : '',
    vat_id: v.is_business ? v.vat_id.trim() : '',
  };
}

interface FormLike {
  inputProps: (name: 'phone' | 'address' | 'business_name' | 'vat_id') => {
    name: string;
    value: string;
    onChange: (e: { currentTarget: { value: string } }) => void;
    error: string | undefined;
    'aria-invalid': true | undefined;
  };
  checkboxProps: (name: 'is_business') => {
    name: string;
    checked: boolean;
    onChange: (e: { currentTarget: { checked: boolean } }) => void;
    error: string | undefined;
    'aria-invalid': true | undefined;
  };
  values: { is_business: boolean };
}

/** Phone, billing address, and business name + VAT id behind "I am purchasing as a business". */
export function BillingDetailsFields({ form, business = true }: { form: FormLike; business?: boolean }) {
  return (
    <Stack gap="sm">
      <TextInput label="Phone number" type="tel" autoComplete="tel" required {...form.inputProps('phone')} />
      <Textarea label="Billing address" autoComplete="street-address" required rows={3} maxLength={1000} description="As it should appear on the invoice." {...form.inputProps('address')} />
      {business ? <Checkbox label="I am purchasing as a business" {...form.checkboxProps('is_business')} /> : null}
      {business && form.values.is_business ? (
        <>
          <TextInput label="Business name" required autoComplete="organization" {...form.inputProps('business_name')} />
          <TextInput label="VAT / tax ID" description="Printed on the invoice, e.g. DE123456789." {...form.inputProps('vat_id')} />
        </>
      ) : null}
    </Stack>
  );
}
