package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server"
	"github.com/gatehouse/gatehouse/server/cron"
)

// loadPlans reads --plans-file (or GATEHOUSE_PLANS_FILE for commands without
// the flag); no file = the built-in catalog. A bad file stops the command.
func loadPlans(o options) (*models.Catalog, error) {
	path := o.PlansFile
	if path == "" {
		path = env("GATEHOUSE_PLANS_FILE", "")
	}
	if path == "" {
		return models.DefaultCatalog(), nil
	}
	return models.LoadCatalog(path)
}

// billingSettings gathers the billing configuration: --billing-notice-days
// and the environment (secrets never come from flags):
//
//	GATEHOUSE_BILLING_TAX_RATE_BP      tax in basis points on every invoice (default 0)
//	GATEHOUSE_BILLING_BANK_DETAILS     bank account text shown for bank transfers
//	GATEHOUSE_STRIPE_SECRET_KEY        enables card payments through Stripe
//	GATEHOUSE_STRIPE_PUBLISHABLE_KEY   for Stripe.js on the payment page
//	GATEHOUSE_STRIPE_WEBHOOK_SECRET    verifies POST /api/billing/webhooks/stripe
//	GATEHOUSE_STRIPE_API_BASE          another Stripe API URL (tests: stripe-mock)
//	GATEHOUSE_STRIPE_JS_URL            where the payment page loads Stripe.js (default https://js.stripe.com/v3/)
func billingSettings(o options) (server.BillingSettings, error) {
	var problems []string
	s := server.BillingSettings{
		BankDetails: env("GATEHOUSE_BILLING_BANK_DETAILS", ""),
		Stripe: server.StripeSettings{
			SecretKey:      env("GATEHOUSE_STRIPE_SECRET_KEY", ""),
			PublishableKey: env("GATEHOUSE_STRIPE_PUBLISHABLE_KEY", ""),
			WebhookSecret:  env("GATEHOUSE_STRIPE_WEBHOOK_SECRET", ""),
			APIBase:        env("GATEHOUSE_STRIPE_API_BASE", ""),
			JSURL:          env("GATEHOUSE_STRIPE_JS_URL", server.DefaultStripeJSURL),
		},
	}
	days := o.BillingNoticeDays
	if days == 0 {
		days = envInt("GATEHOUSE_BILLING_NOTICE_DAYS", 14)
	}
	if days < 1 || days > 365 {
		problems = append(problems, fmt.Sprintf("--billing-notice-days %d: want 1 to 365", days))
	}
	s.NoticePeriod = time.Duration(days) * 24 * time.Hour
	if v := env("GATEHOUSE_BILLING_TAX_RATE_BP", ""); v != "" {
		bp, err := strconv.Atoi(v)
		if err != nil || bp < 0 || bp > 10_000 {
			problems = append(problems, fmt.Sprintf("GATEHOUSE_BILLING_TAX_RATE_BP %q: want basis points from 0 to 10000 (100 = 1%%)", v))
		}
		s.TaxRateBP = bp
	}
	if u, err := url.Parse(s.Stripe.JSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("GATEHOUSE_STRIPE_JS_URL %q: want an absolute http(s) URL", s.Stripe.JSURL))
	}
	if s.Stripe.SecretKey != "" && s.Stripe.WebhookSecret == "" {
		problems = append(problems, "GATEHOUSE_STRIPE_WEBHOOK_SECRET: required with GATEHOUSE_STRIPE_SECRET_KEY (card payments are confirmed by the webhook)")
	}
	if len(problems) > 0 {
		return s, usageErrorf("%s", joinLines(problems))
	}
	return s, nil
}

func joinLines(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += "\n"
		}
		out += l
	}
	return out
}

// billingJobs are the scheduled billing jobs (see server/billing_jobs.go).
func billingJobs(a *app) []cron.Job {
	return []cron.Job{
		{
			Name:        "billing-renew",
			Spec:        "7 * * * *",
			Description: "start the next period of subscriptions whose period ended and issue their invoices",
			Run: func(ctx context.Context, at time.Time) error {
				n, err := a.billing.RunRenew(ctx, at)
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "billing-renew done", "periods_renewed", n)
				return nil
			},
		},
		{
			Name:        "billing-overdue",
			Spec:        "37 * * * *",
			Description: "mark subscriptions with unpaid invoices past due, cancel them after the grace period",
			Run: func(ctx context.Context, at time.Time) error {
				pd, c, err := a.billing.RunOverdue(ctx, at)
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "billing-overdue done", "past_due", pd, "cancelled", c)
				return nil
			},
		},
		{
			Name:        "billing-cancellation",
			Spec:        "47 * * * *",
			Description: "end cancelled subscriptions, send the notice after the grace month, delete the excess after the notice period",
			Run: func(ctx context.Context, at time.Time) error {
				r, err := a.billing.RunCancellation(ctx, at)
				if err != nil {
					return err
				}
				a.log.InfoContext(ctx, "billing-cancellation done", "ended", r.Ended, "notified", r.Notified,
					"cleaned_up", r.CleanedUp, "deleted", r.Deleted)
				return nil
			},
		},
	}
}
