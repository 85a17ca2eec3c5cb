import { createTheme, localStorageColorSchemeManager } from '@mantine/core';

/** Same key as public/theme-init.js, which applies the choice before the app loads. */
export const THEME_STORAGE_KEY = 'gatehouse.theme';

export const colorSchemeManager = localStorageColorSchemeManager({ key: THEME_STORAGE_KEY });

export const theme = createTheme({
  primaryColor: 'indigo',
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
