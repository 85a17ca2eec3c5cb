import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import type { AuditEvent } from '../../api/types';
import { json, mockFetch, type RecordedCall } from '../../test/fetchMock';
import { axeViolations } from '../../test/axe';
import { renderApp } from '../../test/render';
import AdminAuditPage, { describeDetail } from './AdminAuditPage';

const ADMIN = {
  id: 1,
  username: 'root',
  first_name: '',
  last_name: '',
  email: 'root@example.com',
  groups: ['admin'],
  is_staff: true,
  is_superuser: true,
  is_active: true,
  last_login: null,
  date_joined: '2025-01-01T00:00:00Z',
};

function event(id: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    created_date: '2026-03-04T05:06:07Z',
    event: 'auth.login',
    actor: { id: 7, username: 'ann' },
    ip: '10.0.0.7',
    target_type: 'user',
    target_id: '7',
    detail: { method: 'password' },
    ...over,
  };
}

function setup(answer: (call: RecordedCall) => Response, path = '/admin/audit') {
  const mock = mockFetch({
    'GET /api/users/self': () => json(200, ADMIN),
    'GET /api/organizations': () => json(200, { count: 0, next: null, previous: null, results: [] }),
    'GET /api/audit': answer,
  });
  renderApp(
    <Routes>
      <Route path="/admin/audit" element={<AdminAuditPage />} />
    </Routes>,
    path,
  );
  return mock;
}

const page = (results: AuditEvent[], count = results.length) => json(200, { count, next: null, previous: null, results });
const auditCalls = (calls: RecordedCall[]) => calls.filter((c) => c.url.startsWith('/api/audit')).map((c) => new URL(c.url, 'http://x').searchParams);

describe('AdminAuditPage', () => {
  it('shows the events in a table, newest first as the server sends them', async () => {
    const { calls } = setup(() =>
      page([event(2, { event: 'user.deactivated', actor: null, detail: { by: 'cron', count: 2 } }), event(1)]),
    );
    const table = await screen.findByRole('table', {}, { timeout: 5000 });
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    const rows = within(table).getAllByRole('row');
    expect(rows[1]!.textContent).toContain('user.deactivated');
    expect(rows[1]!.textContent).toContain('by: cron, count: 2');
    expect(rows[2]!.textContent).toContain('auth.login');
    expect(rows[2]!.textContent).toContain('ann');
    expect(rows[2]!.textContent).toContain('10.0.0.7');
    expect(rows[2]!.textContent).toContain('user 7');
    expect(screen.getByText('2 events')).toBeTruthy();
    const q = auditCalls(calls)[0]!;
    expect(q.get('page')).toBe('1');
    expect(q.get('page_size')).toBe('25');
    expect(screen.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).toBe('/api/audit.csv');
  });

  it('applies the filters with the keyboard and the CSV link follows them', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup((call) => {
      const q = new URL(call.url, 'http://x').searchParams;
      return q.get('actor') ? page([]) : page([event(1)]);
    });
    await screen.findByText('1 event', {}, { timeout: 5000 });

    await user.type(screen.getByRole('combobox', { name: 'Event' }), 'auth.');
    await user.keyboard('{Escape}');
    await user.type(screen.getByRole('textbox', { name: 'Actor' }), 'ann');
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-03-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-03-31' } });
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), '10.0.0{Enter}');

    expect(await screen.findByText('No event matches these filters.')).toBeTruthy();
    const q = auditCalls(calls).at(-1)!;
    expect(Object.fromEntries(q)).toEqual({
      event: 'auth.',
      actor: 'ann',
      search: '10.0.0',
      from: '2026-03-01',
      to: '2026-03-31',
      page: '1',
      page_size: '25',
    });
    const csv = new URL(screen.getByRole('link', { name: 'Download CSV' }).getAttribute('href')!, 'http://x');
    expect(csv.pathname).toBe('/api/audit.csv');
    expect(Object.fromEntries(csv.searchParams)).toEqual({ event: 'auth.', actor: 'ann', search: '10.0.0', from: '2026-03-01', to: '2026-03-31' });

    // Clear brings back the whole log.
    await user.click(screen.getByRole('button', { name: 'Clear' }));
    expect(await screen.findByText('1 event')).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Actor' }) as HTMLInputElement).value).toBe('');
  });

  it('refuses an end date before the start date, under the field', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup(() => page([event(1)]));
    await screen.findByText('1 event', {}, { timeout: 5000 });
    const before = auditCalls(calls).length;
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-03-10' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-03-01' } });
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    const to = screen.getByLabelText('To');
    await waitFor(() => expect(to.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('The end date is before the start date.')).toBeTruthy();
    expect(auditCalls(calls).length).toBe(before);
  });

  it('pages through the log', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = setup((call) => {
      const p = Number(new URL(call.url, 'http://x').searchParams.get('page'));
      return page([event(p * 100)], 60);
    });
    await screen.findByText('60 events', {}, { timeout: 5000 });
    await user.click(screen.getByRole('button', { name: 'Page 3' }));
    await waitFor(() => expect(auditCalls(calls).at(-1)!.get('page')).toBe('3'));
  });

  it('says when the log is empty', async () => {
    setup(() => page([]));
    expect(await screen.findByText('The audit log is empty.', {}, { timeout: 5000 })).toBeTruthy();
  });

  it('shows the server refusal', async () => {
    setup(() => json(403, { detail: 'You do not have permission to perform this action.' }));
    const alert = await screen.findByRole('alert', {}, { timeout: 5000 });
    expect(alert.textContent).toContain('Could not load the audit log');
    expect(alert.textContent).toContain('You do not have permission');
  });

  it('reads the filters from the address', async () => {
    const { calls } = setup(() => page([event(1)]), '/admin/audit?event=user.&page=2');
    await screen.findByText('1 event matches the filters', {}, { timeout: 5000 });
    expect((screen.getByRole('combobox', { name: 'Event' }) as HTMLInputElement).value).toBe('user.');
    const q = auditCalls(calls).at(-1)!;
    expect(q.get('event')).toBe('user.');
    expect(q.get('page')).toBe('2');
  });

  it('has no axe violations', async () => {
    setup(() => page([event(1), event(2, { actor: null, detail: {} })]));
    await screen.findByText('2 events', {}, { timeout: 5000 });
    expect(await axeViolations()).toEqual([]);
  });
});

describe('describeDetail', () => {
  it.each([
    [null, ''],
    [{}, ''],
    [{ a: 'x', b: 2, c: { d: true } }, 'a: x, b: 2, c: {"d":true}'],
  ])('%o → %s', (detail, want) => expect(describeDetail(detail)).toBe(want));
});
