package cron

import (
	"context"
	"time"
)

// RunTick runs the tick of job name at the minute of at the way the
// scheduler does: only when no runner (replica or operator) has claimed that
// tick yet. ran tells whether this call ran the job. The job's own failure
// is recorded in cron_runs and logged, not returned. It lets an outside
// scheduler (a system cron on several hosts) drive the jobs with the same
// once-per-tick promise as the built-in one.
func (s *Scheduler) RunTick(ctx context.Context, name string, at time.Time) (ran bool, err error) {
	return s.runTick(ctx, name, at.UTC().Truncate(time.Minute))
}
