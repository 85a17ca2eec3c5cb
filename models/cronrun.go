package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Column limits of cron_runs (see migration 0001).
const (
	maxCronJob    = 64
	maxCronRunner = 128
)

// ClaimCronTick inserts the cron_runs row for (job, tick) on behalf of runner.
// The unique (job, tick_at) index lets exactly one caller win across replicas:
// the winner gets won == true and the row's id, every other caller gets
// won == false and no error. tick is stored in UTC as given; callers truncate
// it to their granularity (the scheduler uses whole minutes).
func (db *DB) ClaimCronTick(ctx context.Context, job string, tick time.Time, runner string, startedAt time.Time) (id uint64, won bool, err error) {
	run := CronRun{
		Job:       truncate(job, maxCronJob),
		TickAt:    tick.UTC(),
		Runner:    truncate(runner, maxCronRunner),
		StartedAt: startedAt.UTC(),
	}
	// ON CONFLICT DO NOTHING (SQLite and PostgreSQL) instead of catching the
	// unique violation: a lost race is normal here, not an error to log.
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&run)
	if res.Error != nil {
		return 0, false, fmt.Errorf("claim tick %s of job %s: %w", run.TickAt.Format(time.RFC3339), job, res.Error)
	}
	if res.RowsAffected == 0 {
		return 0, false, nil
	}
	return run.ID, true, nil
}

// RestartCronRun takes over the existing row of (job, tick) for runner, as
// when an operator runs a tick that already ran: started_at is reset and
// finished_at and error are cleared. It returns the row's id.
func (db *DB) RestartCronRun(ctx context.Context, job string, tick time.Time, runner string, startedAt time.Time) (uint64, error) {
	var run CronRun
	err := db.WithContext(ctx).Where("job = ? AND tick_at = ?", job, tick.UTC()).First(&run).Error
	if err != nil {
		return 0, fmt.Errorf("find run of job %s at %s: %w", job, tick.UTC().Format(time.RFC3339), err)
	}
	err = db.WithContext(ctx).Model(&CronRun{}).Where("id = ?", run.ID).Updates(map[string]any{
		"runner":      truncate(runner, maxCronRunner),
		"started_at":  startedAt.UTC(),
		"finished_at": nil,
		"error":       "",
	}).Error
	if err != nil {
		return 0, fmt.Errorf("restart run %d of job %s: %w", run.ID, job, err)
	}
	return run.ID, nil
}

// FinishCronRun records the end of run id and its error text ("" = success).
func (db *DB) FinishCronRun(ctx context.Context, id uint64, finishedAt time.Time, errText string) error {
	err := db.WithContext(ctx).Model(&CronRun{}).Where("id = ?", id).Updates(map[string]any{
		"finished_at": finishedAt.UTC(),
		"error":       truncate(errText, maxErrorText),
	}).Error
	if err != nil {
		return fmt.Errorf("finish cron run %d: %w", id, err)
	}
	return nil
}

// ListCronRuns returns the newest runs of job (of all jobs when job is ""),
// at most limit of them.
func (db *DB) ListCronRuns(ctx context.Context, job string, limit int) ([]CronRun, error) {
	q := db.WithContext(ctx).Model(&CronRun{})
	if job != "" {
		q = q.Where("job = ?", job)
	}
	if limit < 1 {
		limit = 50
	}
	var runs []CronRun
	if err := q.Order("tick_at DESC, id DESC").Limit(limit).Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("list cron runs: %w", err)
	}
	return runs, nil
}

// PruneCronRuns deletes the records of runs whose tick is before olderThan
// and returns how many went.
func (db *DB) PruneCronRuns(ctx context.Context, olderThan time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("tick_at < ?", olderThan.UTC()).Delete(&CronRun{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune cron runs: %w", res.Error)
	}
	return res.RowsAffected, nil
}
