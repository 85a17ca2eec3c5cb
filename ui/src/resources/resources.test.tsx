import { describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import type { Job, Project } from '../api/resources';
import type { Organization } from '../api/types';
import JobPage from '../pages/JobPage';
import { json, mockFetch } from '../test/fetchMock';
import { renderApp } from '../test/render';
import { ActionsMenu } from './ActionsMenu';
import { JobControls } from './JobControls';
import { TransferDialog } from './TransferDialog';

const me = { id: 1, username: 'alice', first_name: 'Alice', last_name: '', email: 'a@example.com', groups: ['user'], is_staff: false, is_superuser: false, is_active: true, last_login: null, date_joined: '2026-01-01T00:00:00Z' };
const org = (id: number, slug: string, name = ''): Organization => ({ id, slug, name, description: '', created_date: '', updated_date: '', contact: {}, owner: null, user_role: 'owner' });
const empty = { count: 0, next: null, previous: null, results: [] };

function job(actions: string[], over: Partial<Job> = {}): Job {
  return { id: 5, task_id: 2, project_id: null, assignee: null, stage: 'annotation', state: 'new', type: 'annotation', organization: null, allowed_actions: actions, ...over };
}

function project(actions: string[], over: Partial<Project> = {}): Project {
  return {
    id: 3, name: 'Birds', owner: null, assignee: null, organization: null, source_storage: null, target_storage: null,
    created_date: '', updated_date: '', allowed_actions: actions, tasks: { count: 0 }, ...over,
  };
}

function signedIn(extra: Parameters<typeof mockFetch>[0] = {}) {
  return mockFetch({
    'GET /api/users/self': () => json(200, me),
    'GET /api/organizations': () => json(200, { ...empty, count: 2, results: [org(7, 'acme', 'Acme'), org(8, 'beta')] }),
    ...extra,
  });
}

describe('JobControls', () => {
  it('shows no stage, state or assignee control without the allowed actions', () => {
    signedIn();
    renderApp(<JobControls job={job(['view'])} assignees={[]} onChange={vi.fn()} />);
    expect(screen.queryByLabelText('Stage')).toBeNull();
    expect(screen.queryByLabelText('State')).toBeNull();
    expect(screen.queryByLabelText('Assignee')).toBeNull();
  });

  it('shows only the controls the server allows and saves a change', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = signedIn({ 'PATCH /api/jobs/5': (c) => json(200, job(['view', 'update:state'], c.body as Partial<Job>)) });
    const onChange = vi.fn();
    renderApp(<JobControls job={job(['view', 'update:state'])} assignees={[]} onChange={onChange} />);
    expect(screen.queryByLabelText('Stage')).toBeNull();
    expect(screen.queryByLabelText('Assignee')).toBeNull();
    await user.selectOptions(screen.getByLabelText('State'), 'completed');
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ state: 'completed' });
    expect((onChange.mock.calls[0]?.[0] as Job).state).toBe('completed');
  });

  it('offers stage and assignee with update:stage and update:assignee', () => {
    signedIn();
    renderApp(<JobControls job={job(['update:stage', 'update:assignee'])} assignees={[{ id: 9, username: 'walt', first_name: '', last_name: '' }]} onChange={vi.fn()} />);
    expect(screen.getByLabelText('Stage')).toBeTruthy();
    expect(screen.queryByLabelText('State')).toBeNull();
    expect(within(screen.getByLabelText('Assignee')).getAllByRole('option').map((o) => o.textContent)).toEqual(['Nobody', 'walt']);
  });
});

describe('ActionsMenu', () => {
  it('has no Organization item without update:organization', async () => {
    const user = userEvent.setup({ delay: null });
    signedIn();
    renderApp(<ActionsMenu kind="projects" object={project(['view', 'delete'])} onChanged={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: /Actions/ }));
    expect(await screen.findByRole('menuitem', { name: 'Delete' })).toBeTruthy();
    expect(screen.queryByRole('menuitem', { name: 'Organization' })).toBeNull();
  });

  it('shows no menu at all without any action', () => {
    signedIn();
    renderApp(<ActionsMenu kind="tasks" object={{ ...project(['view']), project_id: null, jobs: { count: 0, completed: 0, validation: 0 } }} onChanged={vi.fn()} />);
    expect(screen.queryByRole('button', { name: /Actions/ })).toBeNull();
  });

  it('opens the transfer dialog from Organization', async () => {
    const user = userEvent.setup({ delay: null });
    signedIn();
    renderApp(<ActionsMenu kind="projects" object={project(['update:organization'])} onChanged={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: /Actions/ }));
    await user.click(await screen.findByRole('menuitem', { name: 'Organization' }));
    expect(await screen.findByRole('dialog', { name: 'Move project to another workspace' })).toBeTruthy();
  });
});

describe('TransferDialog', () => {
  const orgs = [org(7, 'acme', 'Acme'), org(8, 'beta')];

  it('offers the other workspaces, asks to confirm, and moves without storage handling when nothing is linked', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = signedIn({ 'PATCH /api/projects/3': () => json(200, project([], { organization: 7 })) });
    const onMoved = vi.fn();
    renderApp(<TransferDialog opened onClose={vi.fn()} kind="projects" object={project([], { organization: 8 })} orgs={orgs} onMoved={onMoved} />);
    const dialog = await screen.findByRole('dialog');
    const options = within(within(dialog).getByLabelText('Target workspace')).getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual(['Choose a workspace…', 'Personal workspace', 'Acme (acme)']);
    expect(within(dialog).getByRole('button', { name: 'Next' })).toHaveProperty('disabled', true);
    await user.selectOptions(within(dialog).getByLabelText('Target workspace'), '7');
    await user.click(within(dialog).getByRole('button', { name: 'Next' }));
    expect(within(dialog).getByText(/Its tasks and jobs move with it/)).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: /Detach|Auto Match/ })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    await waitFor(() => expect(onMoved).toHaveBeenCalled());
    const patch = calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ organization_id: 7 });
    expect(patch?.headers.has('X-Organization')).toBe(false);
  });

  it('offers Move & Detach and Move & Auto Match when cloud storages are linked, and shows server errors', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = signedIn({ 'PATCH /api/projects/3': () => json(403, { detail: 'You may not create projects there.' }) });
    const linked = project([], { source_storage: { location: 'cloud_storage', cloud_storage_id: 4 } });
    renderApp(<TransferDialog opened onClose={vi.fn()} kind="projects" object={linked} orgs={orgs} onMoved={vi.fn()} />);
    const dialog = await screen.findByRole('dialog');
    // The personal workspace is where it is: not offered.
    expect(within(within(dialog).getByLabelText('Target workspace')).queryByRole('option', { name: 'Personal workspace' })).toBeNull();
    await user.selectOptions(within(dialog).getByLabelText('Target workspace'), '8');
    await user.click(within(dialog).getByRole('button', { name: 'Next' }));
    expect(within(dialog).queryByRole('button', { name: 'Move' })).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Move & Detach' })).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Move & Auto Match' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('You may not create projects there.');
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ organization_id: 8, cloud_storage_handling: 'auto_match' });
  });
});

describe('Job page mode switch', () => {
  it('starts in Standard mode for an annotation job and switches to Review', async () => {
    const user = userEvent.setup({ delay: null });
    signedIn({ 'GET /api/jobs/5': () => json(200, job(['view', 'update:state'])) });
    renderApp(
      <Routes>
        <Route path="/jobs/:id" element={<JobPage />} />
      </Routes>,
      '/jobs/5',
    );
    const status = await screen.findByText(/^Standard mode/);
    expect(screen.getByRole('radio', { name: 'Standard' })).toHaveProperty('checked', true);
    await user.click(screen.getByRole('radio', { name: 'Review' }));
    expect(screen.getByRole('radio', { name: 'Review' })).toHaveProperty('checked', true);
    expect(status.textContent).toMatch(/^Review mode/);
    expect(screen.queryByLabelText('Stage')).toBeNull();
    expect(screen.getByLabelText('State')).toBeTruthy();
  });

  it('opens a job in validation in Review mode', async () => {
    signedIn({ 'GET /api/jobs/5': () => json(200, job(['view'], { stage: 'validation' })) });
    renderApp(
      <Routes>
        <Route path="/jobs/:id" element={<JobPage />} />
      </Routes>,
      '/jobs/5',
    );
    expect(await screen.findByText(/^Review mode/)).toBeTruthy();
    expect(screen.getByRole('radio', { name: 'Review' })).toHaveProperty('checked', true);
  });
});
