import type { ReactNode } from 'react';
import { Paper, Stack, Text, ThemeIcon } from '@mantine/core';

/** Placeholder body for pages that later work fills. */
export function ComingSoon({ icon, children }: { icon: ReactNode; children: ReactNode }) {
  return (
    <Paper withBorder p="xl" radius="lg">
      <Stack align="center" gap="sm" py="lg">
        <ThemeIcon size={48} radius="xl" variant="light">
          {icon}
        </ThemeIcon>
        <Text c="dimmed" ta="center" maw={460}>
          {children}
        </Text>
      </Stack>
    </Paper>
  );
}
