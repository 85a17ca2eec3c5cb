import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useDocumentTitle } from '../components/DocumentTitle';

export default function NotFoundPage({ standalone = false }: { standalone?: boolean }) {
  useDocumentTitle('Page not found');
  return (
    <Center mih={standalone ? '70vh' : '50vh'} p="md" component={standalone ? 'main' : 'div'}>
      <Stack align="center" gap="sm">
        <Text fz={64} fw={800} c="dimmed" lh={1} aria-hidden="true">
          404
        </Text>
        <Title order={1} fz={24}>
          Page not found
        </Title>
        <Text c="dimmed" ta="center" maw={380}>
          The address may be mistyped, or the page has moved.
        </Text>
        <Button component={Link} to="/" mt="sm">
          Go to the home page
        </Button>
      </Stack>
    </Center>
  );
}
