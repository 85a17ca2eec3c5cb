import { Link } from 'react-router';
import { Button, Stack, Text, ThemeIcon } from '@mantine/core';
import { useCurrentUser } from '../../auth/UserContext';
import { IconCircleCheck } from '../../components/icons';
import { AuthHeading } from './AuthHeading';

export default function EmailConfirmedPage() {
  const { user } = useCurrentUser();
  return (
    <Stack align="center" ta="center" gap="sm">
      <ThemeIcon size={56} radius="xl" variant="light" color="green">
        <IconCircleCheck size={28} />
      </ThemeIcon>
      <AuthHeading title="Your email is confirmed" />
      <Text mt={-16}>Thank you. Your account is ready to use.</Text>
      {user ? (
        <Button component={Link} to="/" mt="sm">
          Continue to Gatehouse
        </Button>
      ) : (
        <Button component={Link} to="/auth/login" mt="sm">
          Sign in
        </Button>
      )}
    </Stack>
  );
}
