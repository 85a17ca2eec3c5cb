import { Suspense } from 'react';
import { Outlet } from 'react-router';
import { Box, Center, Container, Group, Paper, Stack, Text } from '@mantine/core';
import { useAbout } from '../api/useServerInfo';
import { ErrorBoundary } from '../components/ErrorBoundary';
import { PageLoader } from '../components/PageLoader';
import { ThemeToggle } from '../components/ThemeToggle';
import { Logo } from './Logo';
import classes from './AuthLayout.module.css';

/** Centered card layout of the sign-in, registration and recovery pages. */
export function AuthLayout() {
  const about = useAbout();
  return (
    <Box className={classes.page}>
      <Group justify="flex-end" p="md" className={classes.top}>
        <ThemeToggle />
      </Group>
      <Center component="main" id="main" className={classes.center}>
        <Container size={440} w="100%" px="md">
          <Stack gap="lg">
            <Stack gap={4} align="center">
              <Logo size="xl" />
              {about?.subtitle ? (
                <Text c="dimmed" size="sm" ta="center">
                  {about.subtitle}
                </Text>
              ) : null}
            </Stack>
            <Paper withBorder shadow="sm" p={{ base: 'lg', xs: 'xl' }} radius="lg">
              <ErrorBoundary>
                <Suspense fallback={<PageLoader />}>
                  <Outlet />
                </Suspense>
              </ErrorBoundary>
            </Paper>
            {about?.version ? (
              <Text c="dimmed" size="xs" ta="center">
                {about.name || 'Gatehouse'} {about.version}
              </Text>
            ) : null}
          </Stack>
        </Container>
      </Center>
    </Box>
  );
}
