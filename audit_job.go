package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/server/cron"
)

// auditPruneJob deletes audit events older than --audit-retention-days
// (default 365; 0 keeps them forever) once a day.
func auditPruneJob(a *app) cron.Job {
	days := a.opts.AuditRetentionDays
	return cron.Job{
		Name:        "audit-prune",
		Spec:        "41 3 * * *",
		Description: fmt.Sprintf("delete audit log events older than %d days (0 = keep forever)", days),
		Run: func(ctx context.Context, at time.Time) error {
			if days <= 0 {
				return nil
			}
			n, err := a.db.PruneAuditEvents(ctx, at.Add(-time.Duration(days)*24*time.Hour))
			if err != nil {
				return err
			}
			a.log.InfoContext(ctx, "pruned old audit events", "deleted", n, "retention_days", days)
			return nil
		},
	}
}
