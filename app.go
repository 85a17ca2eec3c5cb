package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server"
	"github.com/gatehouse/gatehouse/server/cron"
	"github.com/gatehouse/gatehouse/server/mail"
)

// app is everything a command needs, built once from the options.
type app struct {
	opts   options
	log    *slog.Logger
	clock  clock.Clock
	db     *models.DB
	mailer *mail.Mailer
	cron   *cron.Scheduler
	hasher *auth.Hasher
	plans  *models.Catalog
	// billing runs the billing jobs; billingCfg configures it and the server's.
	billing    *server.Billing
	billingCfg server.BillingSettings
}

// openApp connects to the database, migrates it and builds the mailer and
// the scheduler (not started).
func openApp(ctx context.Context, o options, log *slog.Logger) (*app, error) {
	mailCfg, err := mail.ParseConfig(o.SMTPURL, os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("mail settings: %w", err)
	}
	plans, err := loadPlans(o)
	if err != nil {
		return nil, err
	}
	billingCfg, err := billingSettings(o)
	if err != nil {
		return nil, err
	}
	db, err := models.Open(ctx, models.Options{URL: o.DB, DataDir: o.DataDir})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	clk := clock.System{}
	a := &app{opts: o, log: log, clock: clk, db: db, hasher: auth.NewHasher(auth.DefaultParams, 0), plans: plans}
	a.mailer = mail.New(db, mailCfg, clk, log)
	a.billingCfg = billingCfg
	a.billing = server.NewBilling(server.BillingDeps{DB: db, Clock: clk, Logger: log, Mailer: a.mailer, Plans: plans,
		Settings: billingCfg, BaseURL: o.BaseURL})
	host, _ := os.Hostname()
	a.cron = cron.New(db, clk, log, fmt.Sprintf("%s/%d", host, os.Getpid()))
	if err := registerJobs(a); err != nil {
		_ = db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) close() {
	if err := a.db.Close(); err != nil {
		a.log.Warn("closing the database", "err", err)
	}
}

// accountSettings turns the flags into the server's account settings.
func (o options) accountSettings(smtp bool) server.AccountSettings {
	mode := o.EmailVerification
	if mode == "" {
		mode = server.VerifyNone
		if smtp {
			mode = server.VerifyMandatory
		}
	}
	acc := server.DefaultAccountSettings
	acc.EmailVerification = mode
	acc.TermsOfUseURL = o.TermsOfUseURL
	acc.DisableRegistration = o.DisableRegistration
	acc.AuthRequestsPerMinute = o.AuthRateLimit
	return acc
}

// Retention of housekeeping data.
const (
	mailRetention = 30 * 24 * time.Hour
	cronRetention = 30 * 24 * time.Hour
)

// registerJobs declares every scheduled job of the product.
func registerJobs(a *app) error {
	jobs := []cron.Job{
		{
			Name:        "mail-prune",
			Spec:        "17 3 * * *",
			Description: "delete sent, failed and outbox mail older than 30 days",
			Run: func(ctx context.Context, at time.Time) error {
				n, err := a.mailer.Prune(ctx, at.Add(-mailRetention))
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "pruned old mail", "deleted", n)
				return nil
			},
		},
		{
			Name:        "cron-prune",
			Spec:        "23 3 * * *",
			Description: "delete records of scheduled job runs older than 30 days",
			Run: func(ctx context.Context, at time.Time) error {
				n, err := a.db.PruneCronRuns(ctx, at.Add(-cronRetention))
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "pruned old job runs", "deleted", n)
				return nil
			},
		},
		{
			Name:        "sessions-prune",
			Spec:        "@every 1h",
			Description: "delete expired sessions, old sign-in failures and rate counters",
			Run: func(ctx context.Context, at time.Time) error {
				idle := server.DefaultAccountSettings.SessionIdle
				n, err := a.db.PruneSessions(ctx, at, at.Add(-idle))
				if err != nil {
					return err
				}
				m, err := a.db.PruneSecurityCounters(ctx, at.Add(-24*time.Hour))
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "pruned sessions and counters", "sessions", n, "counters", m)
				return nil
			},
		},
	}
	jobs = append(jobs, auditPruneJob(a))
	jobs = append(jobs, billingJobs(a)...)
	for _, j := range jobs {
		if err := a.cron.Register(j); err != nil {
			return fmt.Errorf("register job %s: %w", j.Name, err)
		}
	}
	return nil
}
