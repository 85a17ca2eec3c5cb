// Projects, tasks and jobs in a real browser: an owner creates a project and a
// task with two jobs in an organization and assigns one job to a worker; the
// worker sees exactly that job, toggles Standard/Review, changes its state and
// has no stage control. Then the owner moves a personal project linked to a
// cloud storage into the organization with "Move & Auto Match": the project
// shows there, linked to the organization's storage of the same provider and
// resource. Accounts, the organization, the invitation and the storages are
// made through the API (Basic auth); everything else goes through the UI.
import { assert, signIn } from '../harness.mjs';

const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
const OWNER = { first: 'Priya', last: 'Patel', username: `priya${RUN}`, email: `priya.${RUN}@example.org`, password: 'Amber-Canyon-4417' };
const WORKER = { first: 'Walt', last: 'Wong', username: `walt${RUN}`, email: `walt.${RUN}@example.org`, password: 'Slate-River-9082' };
const ORG = { slug: `lab-${RUN}`.slice(0, 16), name: 'Vision Lab' };
const PROJECT = `Street scenes ${RUN}`;
const TASK = `Crossings ${RUN}`;
const MOVED = `Harbour ${RUN}`;
const BUCKET = `bucket-${RUN}`;

const ALLOW = [{ method: 'GET', path: /^\/api\/users\/self$/, status: 401 }];

/** Calls the API as `u` with Basic auth; `org` sets X-Organization ('' = personal). */
async function call(t, u, method, path, body, org) {
  const headers = { Authorization: `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (org !== undefined) headers['X-Organization'] = org;
  const res = await fetch(`${t.baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  assert(res.ok, `${method} ${path} as ${u.username}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function register(t, u) {
  const res = await fetch(`${t.baseURL}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: u.username, email: u.email, password1: u.password, password2: u.password,
      first_name: u.first, last_name: u.last, confirmations: [{ name: 'terms_of_use', value: true }],
    }),
  });
  assert(res.status === 201, `register ${u.username}: ${res.status} ${await res.text()}`);
}

async function switchWorkspace(page, username, name) {
  await page.getByRole('button', { name: new RegExp(`^${username}`) }).click();
  await page.getByRole('menuitem', { name: 'Organization' }).hover();
  await page.getByRole('menuitemradio', { name }).click();
  await page.getByRole('button', { name: new RegExp(`^${username}.*${name === 'Personal workspace' ? 'Personal workspace' : name}`) }).waitFor();
}

async function signOut(page, username) {
  await page.getByRole('button', { name: new RegExp(`^${username}`) }).click();
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

/** Signs in as `u` on a page with no session (whatever an earlier check left). */
async function signInAs(page, base, u) {
  await page.context().clearCookies();
  await page.goto(`${base}/auth/login`);
  await signIn(page, base, u.username, u.password);
  await page.getByRole('heading', { name: `Welcome, ${u.first}` }).waitFor();
}

async function goNav(page, label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { name: label, level: 1 }).waitFor();
}

export default {
  name: 'jobs and transfer',
  async run(t) {
    const base = t.baseURL;
    await register(t, OWNER);
    await register(t, WORKER);
    const org = await call(t, OWNER, 'POST', '/api/organizations', { slug: ORG.slug, name: ORG.name });
    const inv = await call(t, OWNER, 'POST', '/api/invitations', { email: WORKER.email, role: 'worker' }, ORG.slug);
    await call(t, WORKER, 'POST', `/api/invitations/${encodeURIComponent(inv.key)}/accept`, {});
    const { page, watch } = await t.newPage({ allow: ALLOW });
    let jobId;

    await t.check('the owner creates a project and a task with 2 jobs in the organization and assigns one job to the worker', async () => {
      await signInAs(page, base, OWNER);
      await switchWorkspace(page, OWNER.username, ORG.slug);
      await goNav(page, 'Projects');
      await page.getByRole('button', { name: 'Create project' }).click();
      let dialog = page.getByRole('dialog', { name: 'Create project' });
      await dialog.getByLabel(/^Name/).fill(PROJECT);
      await dialog.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('cell', { name: PROJECT, exact: true }).waitFor();

      await goNav(page, 'Tasks');
      await page.getByRole('button', { name: 'Create task' }).click();
      dialog = page.getByRole('dialog', { name: 'Create task' });
      await dialog.getByLabel(/^Name/).fill(TASK);
      await dialog.getByLabel('Project').selectOption({ label: PROJECT });
      await dialog.getByLabel(/^Number of jobs/).fill('2');
      await dialog.getByRole('button', { name: 'Create' }).click();
      const row = page.getByRole('row').filter({ hasText: TASK });
      await row.getByRole('link', { name: '2 jobs' }).click();
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
      const links = page.getByRole('main').getByRole('link', { name: /^Job #\d+$/ });
      await links.nth(1).waitFor();
      assert((await links.count()) === 2, `expected 2 jobs, got ${await links.count()}`);
      jobId = Number((await links.first().innerText()).replace(/\D/g, ''));
      await links.first().click();
      await page.getByRole('heading', { name: `Job #${jobId}`, level: 1 }).waitFor();
      // The owner may change the stage and the assignee.
      await page.getByLabel('Stage').waitFor();
      await page.getByLabel('Assignee').selectOption({ label: WORKER.username });
      await page.getByText(`Assignee: ${WORKER.username}`).waitFor();
      const saved = await call(t, OWNER, 'GET', `/api/jobs/${jobId}`);
      assert(saved.assignee?.username === WORKER.username, `assignee not saved: ${JSON.stringify(saved.assignee)}`);
      watch.assertClean('owner');
      await signOut(page, OWNER.username);
    });

    await t.check('the worker sees exactly the assigned job, toggles Standard/Review and changes its state, without a stage control', async () => {
      await signInAs(page, base, WORKER);
      await switchWorkspace(page, WORKER.username, ORG.slug);
      await goNav(page, 'Jobs');
      await page.getByRole('main').getByText('1 job', { exact: true }).waitFor();
      const links = page.getByRole('main').getByRole('link', { name: /^Job #\d+$/ });
      assert((await links.count()) === 1, `the worker sees ${await links.count()} jobs`);
      assert((await links.first().innerText()) === `Job #${jobId}`, `the worker sees ${await links.first().innerText()}`);
      await links.first().click();
      await page.getByRole('heading', { name: `Job #${jobId}`, level: 1 }).waitFor();
      await page.getByText(/^Standard mode/).waitFor();
      await page.getByText('Review', { exact: true }).click();
      await page.getByText(/^Review mode/).waitFor();
      assert(await page.getByRole('radio', { name: 'Review' }).isChecked(), 'Review is not the checked mode');
      await page.getByText('Standard', { exact: true }).click();
      await page.getByText(/^Standard mode/).waitFor();
      await page.getByLabel('State').selectOption('in progress');
      await page.getByRole('toolbar', { name: 'Job toolbar' }).getByText('in progress').waitFor();
      assert((await page.getByLabel('Stage').count()) === 0, 'the worker sees a stage control');
      assert((await page.getByLabel('Assignee').count()) === 0, 'the worker sees an assignee control');
      const saved = await call(t, WORKER, 'GET', `/api/jobs/${jobId}`);
      assert(saved.state === 'in progress', `state not saved: ${saved.state}`);
      await t.screenshot(page, 'job-worker-review');
      watch.assertClean('worker');
      await signOut(page, WORKER.username);
    });

    await t.check('the owner moves a personal project linked to a cloud storage into the organization with Move & Auto Match', async () => {
      const storage = { provider_type: 'AWS_S3_BUCKET', resource: BUCKET, credentials_type: 'ANONYMOUS_ACCESS' };
      const personal = await call(t, OWNER, 'POST', '/api/cloudstorages', { ...storage, display_name: 'My bucket' }, '');
      const orgStorage = await call(t, OWNER, 'POST', '/api/cloudstorages', { ...storage, display_name: 'Lab bucket' }, ORG.slug);
      const project = await call(t, OWNER, 'POST', '/api/projects', { name: MOVED, source_storage: { location: 'cloud_storage', cloud_storage_id: personal.id } }, '');
      assert(project.organization === null && project.source_storage?.cloud_storage_id === personal.id, `project: ${JSON.stringify(project)}`);

      await signInAs(page, base, OWNER);
      // Signed in afresh, no workspace is chosen yet: the list shows every workspace, with a Workspace column.
      await goNav(page, 'Projects');
      const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: MOVED, exact: true }) });
      await row.getByRole('cell', { name: 'Personal', exact: true }).waitFor();
      await page.getByRole('button', { name: `Actions for ${MOVED}` }).click();
      await page.getByRole('menuitem', { name: 'Organization' }).click();
      const dialog = page.getByRole('dialog', { name: 'Move project to another workspace' });
      await dialog.getByLabel('Target workspace').selectOption(String(org.id));
      await dialog.getByRole('button', { name: 'Next' }).click();
      await dialog.getByRole('button', { name: 'Move & Detach' }).waitFor();
      await t.screenshot(page, 'transfer-confirm');
      await dialog.getByRole('button', { name: 'Move & Auto Match' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await row.getByRole('cell', { name: ORG.slug, exact: true }).waitFor();

      await switchWorkspace(page, OWNER.username, ORG.slug);
      await row.getByRole('cell', { name: `source #${orgStorage.id}`, exact: true }).waitFor();
      await switchWorkspace(page, OWNER.username, 'Personal workspace');
      await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
      await page.getByText(/^\d+ projects?$/).waitFor();
      await row.waitFor({ state: 'detached' });
      const moved = await call(t, OWNER, 'GET', `/api/projects/${project.id}`);
      assert(moved.organization === org.id, `organization: ${moved.organization}`);
      assert(moved.source_storage?.cloud_storage_id === orgStorage.id, `storage link: ${JSON.stringify(moved.source_storage)}`);
      watch.assertClean('transfer');
    });
  },
};
