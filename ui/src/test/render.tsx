import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { UserProvider } from '../auth/UserContext';
import { NoticesProvider } from '../components/Notices';
import { OrgProvider } from '../org/OrgContext';
import { ThemeProvider } from '../ThemeProvider';

/** Renders UI inside the app's providers at `path`. */
export function renderApp(ui: ReactElement, path = '/') {
  return render(
    <ThemeProvider env="test">
      <MemoryRouter initialEntries={[path]}>
        <NoticesProvider>
          <UserProvider>
            <OrgProvider>{ui}</OrgProvider>
          </UserProvider>
        </NoticesProvider>
      </MemoryRouter>
    </ThemeProvider>,
  );
}
