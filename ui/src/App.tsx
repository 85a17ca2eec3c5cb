import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { GuestOnly, RequireAdmin, RequireAuth } from './auth/guards';
import { useCurrentUser } from './auth/UserContext';
import { PageLoader } from './components/PageLoader';
import { AppLayout } from './layout/AppLayout';
import { AuthLayout } from './layout/AuthLayout';

// Every page is its own chunk; the shell (layouts, API client) stays in the entry.
const LoginPage = lazy(() => import('./pages/auth/LoginPage'));
const RegisterPage = lazy(() => import('./pages/auth/RegisterPage'));
const PasswordResetPage = lazy(() => import('./pages/auth/PasswordResetPage'));
const PasswordResetConfirmPage = lazy(() => import('./pages/auth/PasswordResetConfirmPage'));
const EmailConfirmedPage = lazy(() => import('./pages/auth/EmailConfirmedPage'));
const IncorrectEmailConfirmationPage = lazy(() => import('./pages/auth/IncorrectEmailConfirmationPage'));
const SetupPage = lazy(() => import('./pages/auth/SetupPage'));
const SsoErrorPage = lazy(() => import('./pages/auth/SsoErrorPage'));
const HomePage = lazy(() => import('./pages/HomePage'));
const ProfilePage = lazy(() => import('./pages/ProfilePage'));
const OrganizationsPage = lazy(() => import('./pages/OrganizationsPage'));
const OrganizationPage = lazy(() => import('./pages/OrganizationPage'));
const InvitationsPage = lazy(() => import('./pages/InvitationsPage'));
const ProjectsPage = lazy(() => import('./pages/ProjectsPage'));
const TasksPage = lazy(() => import('./pages/TasksPage'));
const JobsPage = lazy(() => import('./pages/JobsPage'));
const JobPage = lazy(() => import('./pages/JobPage'));
const BillingPage = lazy(() => import('./pages/BillingPage'));
const PlansPage = lazy(() => import('./billing/PlansPage'));
const SubscribePage = lazy(() => import('./billing/SubscribePage'));
const ManageSubscriptionPage = lazy(() => import('./billing/ManageSubscriptionPage'));
const PayInvoicePage = lazy(() => import('./billing/PayInvoicePage'));
const BillingAdminPage = lazy(() => import('./pages/admin/BillingAdminPage'));
const AdminUsersPage = lazy(() => import('./pages/admin/AdminUsersPage'));
const AdminOutboxPage = lazy(() => import('./pages/admin/AdminOutboxPage'));
const AdminAuditPage = lazy(() => import('./pages/admin/AdminAuditPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));

/** The 404 page: inside the app shell for signed-in users, bare otherwise. */
function NotFound() {
  const { state } = useCurrentUser();
  if (state.status === 'loading') return <PageLoader />;
  if (state.status === 'authenticated') {
    return (
      <Routes>
        <Route element={<AppLayout />}>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    );
  }
  return (
    <Suspense fallback={<PageLoader />}>
      <NotFoundPage standalone />
    </Suspense>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/auth" element={<AuthLayout />}>
        <Route path="login" element={<GuestOnly><LoginPage /></GuestOnly>} />
        <Route path="register" element={<GuestOnly><RegisterPage /></GuestOnly>} />
        <Route path="password/reset" element={<PasswordResetPage />} />
        <Route path="password/reset/confirm" element={<PasswordResetConfirmPage />} />
        <Route path="email-confirmation" element={<EmailConfirmedPage />} />
        <Route path="incorrect-email-confirmation" element={<IncorrectEmailConfirmationPage />} />
        <Route path="setup" element={<SetupPage />} />
        <Route path="error" element={<SsoErrorPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
      <Route element={<RequireAuth><AppLayout /></RequireAuth>}>
        <Route index element={<HomePage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="organizations" element={<OrganizationsPage />} />
        <Route path="organization" element={<OrganizationPage />} />
        <Route path="invitations" element={<InvitationsPage />} />
        <Route path="projects" element={<ProjectsPage />} />
        <Route path="tasks" element={<TasksPage />} />
        <Route path="jobs" element={<JobsPage />} />
        <Route path="jobs/:id" element={<JobPage />} />
        <Route path="billing" element={<BillingPage />} />
        <Route path="billing/plans" element={<PlansPage />} />
        <Route path="billing/subscribe" element={<SubscribePage />} />
        <Route path="billing/subscriptions/:id" element={<ManageSubscriptionPage />} />
        <Route path="billing/invoices/:id/pay" element={<PayInvoicePage />} />
        <Route path="admin/billing" element={<RequireAdmin><BillingAdminPage /></RequireAdmin>} />
        <Route path="admin/users" element={<RequireAdmin><AdminUsersPage /></RequireAdmin>} />
        <Route path="admin/outbox" element={<RequireAdmin><AdminOutboxPage /></RequireAdmin>} />
        <Route path="admin/audit" element={<RequireAdmin><AdminAuditPage /></RequireAdmin>} />
      </Route>
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
