import { useRef, useState } from 'react';
import { ActionIcon, Group, TextInput, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from './icons';

/** A read-only secret with a copy button. Falls back to selecting the text when the clipboard is not available. */
export function SecretReveal({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const inputRef = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      inputRef.current?.select();
      setState('manual');
    }
  };
  const tip = state === 'copied' ? 'Copied' : 'Copy to clipboard';
  return (
    <Group gap="xs" wrap="nowrap" align="flex-end">
      <TextInput
        ref={inputRef}
        label={label}
        value={value}
        readOnly
        onFocus={(e) => e.currentTarget.select()}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        description={state === 'manual' ? 'Press Ctrl+C (⌘C on a Mac) to copy the selected text.' : undefined}
        style={{ flex: 1 }}
      />
      <Tooltip label={tip} withArrow>
        <ActionIcon size={36} variant={state === 'copied' ? 'filled' : 'default'} color={state === 'copied' ? 'teal' : undefined} onClick={() => void copy()} aria-label={tip}>
          {state === 'copied' ? <IconCheck /> : <IconCopy />}
        </ActionIcon>
      </Tooltip>
      <span role="status" aria-live="polite" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
        {state === 'copied' ? 'Token copied to the clipboard' : ''}
      </span>
    </Group>
  );
}
