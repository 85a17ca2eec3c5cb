import { SegmentedControl } from '@mantine/core';

export type JobMode = 'standard' | 'review';

/** The job toolbar's mode switch: Standard (annotation) or Review (validation). */
export function ModeSwitch({ value, onChange }: { value: JobMode; onChange: (m: JobMode) => void }) {
  return (
    <SegmentedControl
      aria-label="Mode"
      value={value}
      onChange={(v) => onChange(v as JobMode)}
      data={[
        { value: 'standard', label: 'Standard' },
        { value: 'review', label: 'Review' },
      ]}
    />
  );
}

export const MODE_DESCRIPTIONS: Record<JobMode, string> = {
  standard: 'Standard mode: annotate the job.',
  review: 'Review mode: validate the annotations and raise issues.',
};
