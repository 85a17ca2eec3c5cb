import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ValidationError, errorMessage } from '../api/errors';

export type Errors<V> = Partial<Record<keyof V & string, string>>;

export interface ApiFormOptions<V> {
  initialValues: V;
  /** Client-side checks, run before submitting. Return a message per invalid field. */
  validate?: (values: V) => Errors<V>;
  /** Server field name → form field name, for servers that name fields differently. */
  fieldMap?: Record<string, keyof V & string>;
}

/**
 * A small form state helper for forms that talk to the API.
 *
 * - field errors (client or server) show under each field (Mantine sets
 *   aria-invalid and aria-describedby from the `error` prop);
 * - `non_field_errors`, `detail` and errors for fields the form does not show
 *   go to `formError`, rendered in an alert at the top;
 * - after a failed submit, focus moves to the first invalid field (or to the
 *   alert when no field is to blame);
 * - values are kept after an error; `submitting` is true while pending.
 */
export function useApiForm<V extends Record<string, unknown>>(opts: ApiFormOptions<V>) {
  const { validate, fieldMap } = opts;
  const [values, setValues] = useState<V>(opts.initialValues);
  const [errors, setErrors] = useState<Errors<V>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const alertRef = useRef<HTMLDivElement>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (!focusRequest) return;
    const form = formRef.current;
    const invalid = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else alertRef.current?.focus();
  }, [focusRequest]);

  const setValue = useCallback(<K extends keyof V & string>(name: K, value: V[K]) => {
    setValues((prev) => ({ ...prev, [name]: value }));
    // Editing a field clears its error: the message no longer describes what is typed.
    setErrors((prev) => {
      if (!(name in prev)) return prev;
      const next = { ...prev };
      delete next[name];
      return next;
    });
  }, []);

  /** Props for a Mantine text-like input bound to `name`. */
  const inputProps = <K extends keyof V & string>(name: K) => ({
    name,
    value: values[name] as unknown as string,
    onChange: (e: { currentTarget: { value: string } }) => setValue(name, e.currentTarget.value as V[K]),
    error: errors[name],
    // TextInput sets this itself; PasswordInput's inner input only gets it from here.
    'aria-invalid': errors[name] ? (true as const) : undefined,
  });

  /** Props for a Mantine Checkbox/Switch bound to `name`. */
  const checkboxProps = <K extends keyof V & string>(name: K) => ({
    name,
    checked: Boolean(values[name]),
    onChange: (e: { currentTarget: { checked: boolean } }) => setValue(name, e.currentTarget.checked as V[K]),
    error: errors[name],
    // Mantine's Checkbox links the error (aria-describedby) but does not mark the input invalid.
    'aria-invalid': errors[name] ? (true as const) : undefined,
  });

  /** Applies an error thrown by the API client to the form. */
  const applyError = useCallback(
    (err: unknown) => {
      if (err instanceof ValidationError) {
        const fieldErrors: Errors<V> = {};
        const extra: string[] = [...err.nonFieldErrors];
        const known = new Set(Object.keys(opts.initialValues));
        for (const [serverName, messages] of Object.entries(err.fieldErrors)) {
          const name = (fieldMap?.[serverName] ?? serverName) as keyof V & string;
          if (known.has(name)) {
            if (!fieldErrors[name]) fieldErrors[name] = messages.join(' ');
          } else {
            extra.push(...messages);
          }
        }
        setErrors(fieldErrors);
        setFormError(extra.length ? extra.join(' ') : null);
      } else {
        setErrors({});
        setFormError(errorMessage(err));
      }
      setFocusRequest((n) => n + 1);
    },
    // initialValues' keys never change during the life of a form.
    [fieldMap],
  );

  /** Wraps a submit function: validates, sets `submitting`, maps errors. */
  const onSubmit = (fn: (values: V) => Promise<void> | void) => async (e?: FormEvent) => {
    e?.preventDefault();
    if (submitting) return;
    const clientErrors = validate?.(values) ?? {};
    if (Object.values(clientErrors).some(Boolean)) {
      setErrors(clientErrors);
      setFormError(null);
      setFocusRequest((n) => n + 1);
      return;
    }
    setErrors({});
    setFormError(null);
    setSubmitting(true);
    try {
      await fn(values);
    } catch (err) {
      if (mounted.current) applyError(err);
    } finally {
      if (mounted.current) setSubmitting(false);
    }
  };

  const reset = useCallback((next?: V) => {
    setValues(next ?? opts.initialValues);
    setErrors({});
    setFormError(null);
  }, []);

  return {
    values,
    setValues,
    setValue,
    errors,
    setErrors,
    formError,
    setFormError,
    submitting,
    inputProps,
    checkboxProps,
    applyError,
    onSubmit,
    reset,
    formRef,
    alertRef,
  };
}

/** Common client-side rules. */
export const rules = {
  required: (v: unknown, message = 'This field is required.') => (typeof v === 'string' ? v.trim() === '' : !v) ? message : undefined,
  email: (v: string) =>
    v.trim() === '' ? 'Enter your email address.' : /^[^\s@]+@[^\s@]+$/.test(v.trim()) ? undefined : 'Enter a valid email address.',
  same: (a: string, b: string) => (a !== b ? 'The two passwords do not match.' : undefined),
};
