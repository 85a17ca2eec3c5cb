import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { MantineProvider } from '@mantine/core';
import { UserProvider } from '../auth/UserContext';
import { cssVariablesResolver, theme } from '../theme';

/** Renders UI inside the app's providers at `path`. */
export function renderApp(ui: ReactElement, path = '/') {
  return render(
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} env="test">
      <MemoryRouter initialEntries={[path]}>
        <UserProvider>{ui}</UserProvider>
      </MemoryRouter>
    </MantineProvider>,
  );
}
