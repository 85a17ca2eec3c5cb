import type { ReactNode } from 'react';
import { MantineProvider } from '@mantine/core';
import { colorSchemeManager, cssVariablesResolver, theme } from './theme';

/** Mantine with the Gatehouse theme; light/dark follows the OS until the user picks one. */
export function ThemeProvider({ children, env }: { children: ReactNode; env?: 'default' | 'test' }) {
  return (
    <MantineProvider
      theme={theme}
      colorSchemeManager={colorSchemeManager}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
      env={env}
    >
      {children}
    </MantineProvider>
  );
}
