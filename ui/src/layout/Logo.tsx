import { Group, Text } from '@mantine/core';
import { Link } from 'react-router';
import classes from './Logo.module.css';

/** Product mark + name, links home. */
export function Logo({ size = 'lg' }: { size?: 'lg' | 'xl' }) {
  const px = size === 'xl' ? 36 : 28;
  return (
    <Link to="/" className={classes.logo} aria-label="Gatehouse home">
      <Group gap={8} wrap="nowrap">
        <svg width={px} height={px} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
          <rect width="32" height="32" rx="7" fill="var(--mantine-color-indigo-6)" />
          <path d="M8 26V13l8-6 8 6v13h-5v-7h-6v7z" fill="#fff" />
        </svg>
        <Text component="span" fw={700} fz={size === 'xl' ? 24 : 19} lh={1}>
          Gatehouse
        </Text>
      </Group>
    </Link>
  );
}
