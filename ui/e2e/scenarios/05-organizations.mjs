// Organizations in a real browser, with invitations mailed through Mailpit:
// the owner creates an organization and invites two people; one without an
// account signs up from the mailed link and lands signed in as a member; the
// owner changes that member's role; one with an account signs in, follows the
// notification to the Invitations page and accepts; the switcher ticks the
// active workspace; the owner deletes the organization by typing its short name.
import { assert, launchBrowser, linkIn, signIn, watchPage } from '../harness.mjs';

const RUN = `${Date.now().toString(36).slice(-5)}${Math.random().toString(36).slice(2, 5)}`;
const OWNER = { first: 'Olivia', last: 'Owens', username: `olivia${RUN}`, email: `olivia.${RUN}@example.org`, password: 'Granite-Harbor-2231' };
const EXISTING = { first: 'Ethan', last: 'Ellis', username: `ethan${RUN}`, email: `ethan.${RUN}@example.org`, password: 'Copper-Kettle-5520' };
const NEWBIE = { first: 'Nora', last: 'Nakamura', email: `nora.${RUN}@example.org`, password: 'Willow-Lantern-8804' };
const ORG = { slug: `acme-${RUN}`.slice(0, 16), name: 'Acme Research', description: 'Annotation team', email: `team.${RUN}@example.org`, phone: '+1 555 0100', location: 'Lisbon' };

const ALLOW = [{ method: 'GET', path: /^\/api\/users\/self$/, status: 401 }];
// Inviting someone already in the organization is refused on purpose (per-row error).
const ALLOW_OWNER = [...ALLOW, { method: 'POST', path: /^\/api\/invitations$/, status: 400 }];

/** Creates an account through the API and confirms its address with the mailed link. */
async function createVerifiedUser(t, u) {
  const res = await fetch(`${t.baseURL}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: u.username, email: u.email, password1: u.password, password2: u.password,
      first_name: u.first, last_name: u.last, confirmations: [{ name: 'terms_of_use', value: true }],
    }),
  });
  assert(res.status === 201, `register ${u.username}: ${res.status} ${await res.text()}`);
  const msg = await t.mail.waitFor(u.email, /^Confirm your email/);
  const confirm = await fetch(linkIn(msg, /account-confirm-email/), { redirect: 'manual' });
  assert(/\/auth\/email-confirmation$/.test(confirm.headers.get('location') ?? ''), `confirmation of ${u.email} failed: ${confirm.status} ${confirm.headers.get('location')}`);
}

async function openOrgMenu(page, username) {
  await page.getByRole('button', { name: username }).click();
  await page.getByRole('menuitem', { name: 'Organization' }).hover();
  await page.getByRole('menuitemradio', { name: 'Personal workspace' }).waitFor();
}

async function closeMenu(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
}

/** The workspaces listed in the open Organization submenu, with the ticked one. */
async function workspaces(page) {
  const items = page.getByRole('menuitemradio');
  const out = [];
  for (let i = 0; i < (await items.count()); i++) {
    const item = items.nth(i);
    out.push({ name: (await item.innerText()).trim(), checked: (await item.getAttribute('aria-checked')) === 'true' });
  }
  return out;
}

async function signOut(page, username) {
  await page.getByRole('button', { name: username }).click();
  await page.getByRole('menuitem', { name: 'Logout' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

export default {
  name: 'organizations',
  server: { mailpit: true, env: { GATEHOUSE_EMAIL_VERIFICATION: 'mandatory' } },
  async run(t) {
    const base = t.baseURL;
    await createVerifiedUser(t, OWNER);
    await createVerifiedUser(t, EXISTING);
    const owner = await t.newPage({ allow: ALLOW_OWNER });
    const other = await launchBrowser();
    const guestPage = await other.context.newPage();
    const guest = { page: guestPage, watch: watchPage(guestPage, { allow: ALLOW }) };

    try {
      await t.check('the owner creates an organization from the user menu; it becomes active and its page opens', async () => {
        const { page, watch } = owner;
        await signIn(page, base, OWNER.username, OWNER.password);
        await page.getByRole('heading', { name: `Welcome, ${OWNER.first}` }).waitFor();
        await openOrgMenu(page, OWNER.username);
        let ws = await workspaces(page);
        assert(ws.length === 1 && ws[0].name === 'Personal workspace' && ws[0].checked, `menu before: ${JSON.stringify(ws)}`);
        await page.getByRole('menuitem', { name: 'Create' }).click();
        const dialog = page.getByRole('dialog', { name: 'Create organization' });
        await dialog.getByLabel(/^Short name/).fill('has spaces');
        await dialog.getByRole('button', { name: 'Submit' }).click();
        await dialog.getByText('Use only letters, digits, - and _').waitFor();
        await dialog.getByLabel(/^Short name/).fill(ORG.slug);
        await dialog.getByLabel(/^Full name/).fill(ORG.name);
        await dialog.getByLabel(/^Description/).fill(ORG.description);
        await dialog.getByLabel(/^Email/).fill(ORG.email);
        await dialog.getByLabel(/^Phone number/).fill(ORG.phone);
        await dialog.getByLabel(/^Location/).fill(ORG.location);
        await dialog.getByRole('button', { name: 'Submit' }).click();
        await page.getByRole('heading', { name: ORG.name, level: 1 }).waitFor();
        assert(new URL(page.url()).pathname === '/organization', `not on the organization page: ${page.url()}`);
        // (Badges are upper-cased by CSS, hence /i.)
        assert(/your role\s*owner/i.test(await page.locator('main').innerText()), 'the page does not show the owner role');
        // The create dialog may still be closing (its form has a Location
        // field too): read the one of the page's details form.
        const details = page.getByRole('form', { name: 'Organization details' });
        assert((await details.getByLabel(/^Location/).inputValue()) === ORG.location, 'location not saved');
        // The choice survives a reload and is shown under the username.
        await page.reload();
        await page.getByRole('heading', { name: ORG.name, level: 1 }).waitFor();
        await page.getByRole('button', { name: new RegExp(`${OWNER.username}.*${ORG.slug}`) }).waitFor();
        assert((await page.evaluate(() => localStorage.getItem('gatehouse.org'))) === ORG.slug, 'active organization not stored');
        await openOrgMenu(page, OWNER.username);
        ws = await workspaces(page);
        assert(JSON.stringify(ws) === JSON.stringify([{ name: 'Personal workspace', checked: false }, { name: ORG.slug, checked: true }]), `menu after: ${JSON.stringify(ws)}`);
        await closeMenu(page);
        await t.screenshot(page, 'org-page-owner');
        watch.assertClean('create');
      });

      await t.check('the owner invites two people; a row that cannot be sent keeps its error', async () => {
        const { page, watch } = owner;
        await page.getByRole('button', { name: 'Invite members' }).click();
        const dialog = page.getByRole('dialog', { name: 'Invite members' });
        await dialog.getByLabel(/^Email 1/).fill(NEWBIE.email);
        await dialog.getByRole('button', { name: 'Invite more' }).click();
        await dialog.getByLabel(/^Email 2/).fill(EXISTING.email);
        await dialog.getByLabel(/^Role 2/).selectOption('supervisor');
        await dialog.getByRole('button', { name: 'Invite more' }).click();
        await dialog.getByLabel(/^Email 3/).fill(OWNER.email);
        await dialog.getByRole('button', { name: 'OK' }).click();
        await dialog.getByText('2 of 3 invitations were sent').waitFor();
        await dialog.getByText('already a member').waitFor();
        assert((await dialog.getByLabel(/^Email 1/).inputValue()) === OWNER.email, 'the failed row is not the one left');
        assert(await dialog.getByLabel(/^Email 1/).evaluate((el) => el === document.activeElement), 'focus is not on the failed row');
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        const pending = page.getByRole('table', { name: 'Pending invitations' });
        await pending.getByRole('cell', { name: NEWBIE.email, exact: true }).waitFor();
        await pending.getByRole('cell', { name: EXISTING.email, exact: true }).waitFor();
        watch.assertClean('invite');
      });

      await t.check('a person without an account signs up from the mailed link and lands signed in as a member', async () => {
        const { page, watch } = guest;
        const msg = await t.mail.waitFor(NEWBIE.email, /invited you to/);
        assert(msg.Subject.includes(ORG.name), `subject does not name the organization: ${msg.Subject}`);
        const link = linkIn(msg, /\/auth\/register\?/);
        await page.goto(link);
        await page.getByRole('heading', { name: 'Create an account', level: 1 }).waitFor();
        const email = page.getByLabel(/^Email/);
        assert((await email.inputValue()) === NEWBIE.email, 'email not pre-filled');
        assert((await email.getAttribute('readonly')) !== null, 'email is not locked');
        const username = await page.getByLabel(/^Username/).inputValue();
        assert(username === `nora.${RUN}`, `username not made from the email: ${username}`);
        await page.getByLabel(/^First name/).fill(NEWBIE.first);
        await page.getByLabel(/^Last name/).fill(NEWBIE.last);
        await page.getByLabel(/^Password/).fill(NEWBIE.password);
        await page.getByLabel(/^Confirm password/).fill(NEWBIE.password);
        await page.getByLabel(/I accept the terms of use/).check();
        await page.getByRole('button', { name: 'Create an account' }).click();
        await page.getByRole('heading', { name: `Welcome, ${NEWBIE.first}`, level: 1 }).waitFor();
        await page.getByRole('region', { name: 'Notifications' }).getByText(`You are now a member of ${ORG.name}`).waitFor();
        NEWBIE.username = username;
        await openOrgMenu(page, username);
        const ws = await workspaces(page);
        assert(JSON.stringify(ws) === JSON.stringify([{ name: 'Personal workspace', checked: true }, { name: ORG.slug, checked: false }]), `newbie menu: ${JSON.stringify(ws)}`);
        await closeMenu(page);
        await signOut(page, username);
        watch.assertClean('invited sign-up');
      });

      await t.check('the owner sees the new member and changes their role', async () => {
        const { page, watch } = owner;
        await page.reload();
        const members = page.getByRole('table', { name: 'Members' });
        const role = members.getByLabel(`Role of ${NEWBIE.username}`);
        await role.waitFor();
        assert((await role.inputValue()) === 'worker', `new member role: ${await role.inputValue()}`);
        assert((await members.getByLabel(`Role of ${OWNER.username}: Owner`).count()) === 1, 'owner row should show a badge, not a select');
        assert((await members.getByRole('button', { name: `Remove ${OWNER.username}` }).count()) === 0, 'the owner can be removed');
        await role.selectOption('maintainer');
        await page.getByRole('region', { name: 'Notifications' }).getByText(`${NEWBIE.username} is now maintainer.`).waitFor();
        await page.reload();
        await members.getByLabel(`Role of ${NEWBIE.username}`).waitFor();
        assert((await members.getByLabel(`Role of ${NEWBIE.username}`).inputValue()) === 'maintainer', 'role change not kept');
        // Only the other invitation is still pending.
        const pending = page.getByRole('table', { name: 'Pending invitations' });
        await pending.getByRole('cell', { name: EXISTING.email, exact: true }).waitFor();
        assert((await pending.getByRole('cell', { name: NEWBIE.email, exact: true }).count()) === 0, 'accepted invitation still pending');
        watch.assertClean('role change');
      });

      await t.check('the owner resends a pending invitation; the owner has no "Leave"', async () => {
        const { page, watch } = owner;
        await page.getByRole('button', { name: `Actions for the invitation to ${EXISTING.email}` }).click();
        await page.getByRole('menuitem', { name: 'Resend invitation' }).click();
        await page.getByRole('region', { name: 'Notifications' }).getByText(`The invitation was sent again to ${EXISTING.email}.`).waitFor();
        await page.getByRole('button', { name: 'Actions', exact: true }).click();
        await page.getByRole('menuitem', { name: 'Delete organization' }).waitFor();
        assert((await page.getByRole('menuitem', { name: 'Leave organization' }).count()) === 0, 'the owner is offered "Leave"');
        await page.keyboard.press('Escape');
        watch.assertClean('resend');
      });

      await t.check('a member leaves the organization after confirming', async () => {
        const { page, watch } = guest;
        await signIn(page, base, NEWBIE.username, NEWBIE.password);
        await page.getByRole('heading', { name: `Welcome, ${NEWBIE.first}` }).waitFor();
        await openOrgMenu(page, NEWBIE.username);
        await page.getByRole('menuitemradio', { name: ORG.slug }).click();
        await openOrgMenu(page, NEWBIE.username);
        await page.getByRole('menuitem', { name: 'Settings' }).click();
        await page.getByRole('heading', { name: ORG.name, level: 1 }).waitFor();
        await page.getByRole('button', { name: 'Actions', exact: true }).click();
        assert((await page.getByRole('menuitem', { name: 'Delete organization' }).count()) === 0, 'a maintainer is offered "Delete"');
        await page.getByRole('menuitem', { name: 'Leave organization' }).click();
        const dialog = page.getByRole('dialog', { name: 'Leave organization' });
        await dialog.getByRole('button', { name: 'Leave' }).click();
        await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
        await page.getByRole('region', { name: 'Notifications' }).getByText(`You left ${ORG.slug}.`).waitFor();
        await page.getByText('You are not in any organization yet.').waitFor();
        await page.getByRole('button', { name: new RegExp(`${NEWBIE.username}.*Personal workspace`) }).waitFor();
        await signOut(page, NEWBIE.username);
        watch.assertClean('leave');
      });

      await t.check('an existing user signs in, follows the notification and accepts on the Invitations page', async () => {
        const { page, watch } = guest;
        const msg = await t.mail.waitFor(EXISTING.email, /invited you to/);
        const link = linkIn(msg, /\/auth\/login\?next=/);
        assert(new URL(link).searchParams.get('next') === '/invitations', `login link: ${link}`);
        await signIn(page, base, EXISTING.username, EXISTING.password);
        await page.getByRole('heading', { name: `Welcome, ${EXISTING.first}` }).waitFor();
        const notice = page.getByRole('region', { name: 'Notifications' });
        await notice.getByText('You have an invitation').waitFor();
        await notice.getByRole('link', { name: 'Open invitations' }).click();
        await page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
        const card = page.getByRole('article', { name: `Invitation to ${ORG.name}` });
        await card.getByText(`${OWNER.first} ${OWNER.last} invited you`).waitFor();
        await card.getByRole('button', { name: 'Accept' }).click();
        await card.getByText(`You joined ${ORG.name}`).waitFor();
        await t.screenshot(page, 'org-invitation-accepted');
        // Accepting does not switch the workspace.
        assert((await page.evaluate(() => localStorage.getItem('gatehouse.org'))) !== ORG.slug, 'accepting switched the workspace');
        await card.getByRole('button', { name: 'Open organization' }).click();
        await page.getByRole('heading', { name: ORG.name, level: 1 }).waitFor();
        assert(/your role\s*supervisor/i.test(await page.locator('main').innerText()), 'not a supervisor');
        // A supervisor cannot edit details, invite, or change roles.
        assert((await page.getByRole('button', { name: 'Invite members' }).count()) === 0, 'supervisor can invite');
        assert((await page.getByRole('button', { name: 'Save' }).count()) === 0, 'supervisor can save details');
        assert((await page.getByRole('combobox', { name: /^Role of/ }).count()) === 0, 'supervisor can change roles');
        watch.assertClean('accept');
      });

      await t.check('the switcher lists both workspaces with a tick on the active one', async () => {
        const { page, watch } = guest;
        await openOrgMenu(page, EXISTING.username);
        let ws = await workspaces(page);
        assert(JSON.stringify(ws) === JSON.stringify([{ name: 'Personal workspace', checked: false }, { name: ORG.slug, checked: true }]), `menu: ${JSON.stringify(ws)}`);
        await page.screenshot({ path: `${t.artifacts}/org-switcher.png` });
        await page.getByRole('menuitemradio', { name: 'Personal workspace' }).click();
        await page.getByRole('button', { name: new RegExp(`${EXISTING.username}.*Personal workspace`) }).waitFor();
        await page.reload();
        await openOrgMenu(page, EXISTING.username);
        ws = await workspaces(page);
        assert(ws[0].checked && !ws[1].checked, `after switching to personal: ${JSON.stringify(ws)}`);
        await page.getByRole('menuitemradio', { name: ORG.slug }).click();
        await page.getByRole('button', { name: new RegExp(`${EXISTING.username}.*${ORG.slug}`) }).waitFor();
        watch.assertClean('switcher');
      });

      await t.check('the owner deletes the organization after typing its short name', async () => {
        const { page, watch } = owner;
        await page.getByRole('button', { name: 'Actions', exact: true }).click();
        await page.getByRole('menuitem', { name: 'Delete organization' }).click();
        const dialog = page.getByRole('dialog', { name: 'Delete organization' });
        const del = dialog.getByRole('button', { name: 'Delete' });
        assert(await del.isDisabled(), 'Delete enabled before typing');
        await dialog.getByLabel(/^Short name/).fill(ORG.slug.toUpperCase());
        assert(await del.isDisabled(), 'Delete enabled with a different name');
        await dialog.getByLabel(/^Short name/).fill(ORG.slug);
        await del.click();
        await page.getByRole('heading', { name: 'Organizations', level: 1 }).waitFor();
        await page.getByRole('region', { name: 'Notifications' }).getByText(`The organization ${ORG.slug} was deleted.`).waitFor();
        await openOrgMenu(page, OWNER.username);
        const ws = await workspaces(page);
        assert(ws.length === 1 && ws[0].checked, `menu after delete: ${JSON.stringify(ws)}`);
        await closeMenu(page);
        watch.assertClean('delete');
      });

      await t.check('a member whose active organization was deleted is back in the personal workspace with a notice', async () => {
        const { page, watch } = guest;
        await page.reload();
        await page.getByRole('region', { name: 'Notifications' }).getByText(`The organization “${ORG.slug}” no longer exists`).waitFor();
        await page.getByRole('button', { name: new RegExp(`${EXISTING.username}.*Personal workspace`) }).waitFor();
        assert((await page.evaluate(() => localStorage.getItem('gatehouse.org'))) === '', 'stored workspace not reset');
        watch.assertClean('fallback');
      });
    } finally {
      await other.close();
    }
  },
};
