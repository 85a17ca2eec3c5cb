import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { invitationsApi } from '../api/endpoints';
import { useCurrentUser } from '../auth/UserContext';
import { useNotices } from '../components/Notices';
import { INVITATIONS_NOTICED_KEY } from './OrgContext';

function noticedFor(): string | null {
  try {
    return window.sessionStorage.getItem(INVITATIONS_NOTICED_KEY);
  } catch {
    return null;
  }
}

function markNoticed(userId: number) {
  try {
    window.sessionStorage.setItem(INVITATIONS_NOTICED_KEY, String(userId));
  } catch {
    /* storage disabled */
  }
}

/**
 * After signing in, tells the user once (per tab and sign-in) that
 * invitations are waiting, with a link to the Invitations page.
 */
export function PendingInvitationsNotice() {
  const { user } = useCurrentUser();
  const { notify } = useNotices();
  const { pathname } = useLocation();
  const userId = user?.id ?? null;
  const onInvitationsPage = pathname === '/invitations';

  useEffect(() => {
    if (userId === null || noticedFor() === String(userId)) return;
    markNoticed(userId);
    if (onInvitationsPage) return;
    // Not aborted on unmount: the notice outlives this component (and StrictMode's double effects).
    invitationsApi
      .mine()
      .then((page) => {
        if (!page.count) return;
        const orgs = [...new Set(page.results.map((i) => i.organization_info.name || i.organization_info.slug))];
        notify({
          id: 'pending-invitations',
          title: page.count === 1 ? 'You have an invitation' : `You have ${page.count} invitations`,
          message: `To join ${orgs.slice(0, 3).join(', ')}${orgs.length > 3 ? '…' : ''}.`,
          action: { label: 'Open invitations', to: '/invitations' },
          autoClose: false,
        });
      })
      .catch(() => {
        /* a notice is a courtesy: the Invitations page shows the list and its errors */
      });
  }, [userId, onInvitationsPage, notify]);

  return null;
}
