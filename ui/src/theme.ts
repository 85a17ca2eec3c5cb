import { createTheme, localStorageColorSchemeManager, type CSSVariablesResolver } from '@mantine/core';

/** Same key as public/theme-init.js, which applies the choice before the app loads. */
export const THEME_STORAGE_KEY = 'gatehouse.theme';

export const colorSchemeManager = localStorageColorSchemeManager({ key: THEME_STORAGE_KEY });

export const theme = createTheme({
  primaryColor: 'indigo',
  // Shade 7 keeps white button text and indigo links at >= 4.5:1 on white (WCAG AA).
  primaryShade: { light: 7, dark: 8 },
  defaultRadius: 'md',
  cursorType: 'pointer',
  fontFamily:
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Button: { defaultProps: { fw: 600 } },
    // Keep focus rings visible for keyboard users in both themes.
  },
  focusRing: 'auto',
});

/** Dimmed text dark enough for WCAG AA contrast in both themes (Mantine's default is lighter). */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
  },
  dark: { '--mantine-color-dimmed': 'var(--mantine-color-dark-1)' },
});
