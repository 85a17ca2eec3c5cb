import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Alert, Button, Stack } from '@mantine/core';

interface State {
  error: Error | null;
}

/** Catches render errors and failed lazy chunk loads (e.g. after an upgrade) and offers a reload. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.warn('Page failed to render', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Stack maw={520} mx="auto" my="xl">
        <Alert color="red" title="This page could not be shown" role="alert">
          {this.state.error.message || 'An unexpected error happened.'}
        </Alert>
        <Button onClick={() => window.location.reload()} variant="default">
          Reload the page
        </Button>
      </Stack>
    );
  }
}
