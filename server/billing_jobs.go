package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server/mail"
)

// The billing jobs. Each is idempotent: every step is guarded by the state
// it changes (a period end, a timestamp set in the same transaction), so a
// rerun at the same time changes nothing, and a run that missed ticks
// catches up. `at` is the time the run acts as of (`gatehouse jobs run NAME
// --at TIME`).

// RunRenew starts the next period of every active subscription whose period
// ended by at (not set to cancel) and issues its invoice, catching up
// several periods when runs were missed, then charges the open card
// invoices of subscriptions with a saved card. Subscriptions whose workspace was
// deleted end instead.
func (b *Billing) RunRenew(ctx context.Context, at time.Time) (renewed int, err error) {
	var ids []uint64
	if err := b.db.WithContext(ctx).Model(&models.Subscription{}).
		Where("status = ? AND cancel_at_period_end = ? AND current_period_end <= ?", models.SubActive, false, at).
		Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("find subscriptions to renew: %w", err)
	}
	for _, id := range ids {
		n, err := b.renewOne(ctx, id, at)
		if err != nil {
			return renewed, fmt.Errorf("renew subscription %d: %w", id, err)
		}
		renewed += n
	}
	if renewed > 0 {
		b.mailer.Wake()
	}
	if _, err := b.chargeSavedCards(ctx, at); err != nil {
		return renewed, err
	}
	return renewed, nil
}

func (b *Billing) renewOne(ctx context.Context, id uint64, at time.Time) (int, error) {
	n := 0
	err := b.tx(ctx, func(tx *gorm.DB) error {
		sub, err := lockSub(tx, id)
		if err != nil {
			return err
		}
		ws := sub.Workspace()
		if ws.OrgID == 0 && ws.UserID == 0 {
			return tx.Model(sub).Updates(map[string]any{"status": models.SubCancelled, "ended_at": at,
				"cleanup_done_at": at, "updated_at": at}).Error
		}
		plan, ok := b.plans.Plan(sub.PlanID)
		if !ok {
			plan = models.Plan{ID: sub.PlanID, Name: sub.PlanID, PerSeat: sub.OrganizationID != nil}
		}
		for sub.Status == models.SubActive && !sub.CancelAtPeriodEnd && !sub.CurrentPeriodEnd.After(at) {
			start := sub.CurrentPeriodEnd
			end := models.AddPeriod(start, sub.Period)
			sub.CurrentPeriodStart, sub.CurrentPeriodEnd = start, end
			if err := tx.Model(sub).Updates(map[string]any{"current_period_start": start, "current_period_end": end,
				"updated_at": at}).Error; err != nil {
				return err
			}
			line := planLine(plan, sub.Period, sub.Quantity, sub.UnitCents, start, end)
			if _, err := b.issueInvoiceTx(tx, sub, []models.InvoiceLine{line}, start, true, at); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// RunOverdue marks subscriptions with an invoice unpaid past its due date
// past_due (the plan still applies), and after OverdueGrace cancels them
// (ended now, the cancellation lifecycle starts) and voids their unpaid
// invoices. A first invoice never paid ends an incomplete subscription
// without a lifecycle (it never lifted anything).
func (b *Billing) RunOverdue(ctx context.Context, at time.Time) (pastDue, cancelled int, err error) {
	var subIDs []uint64
	if err := b.db.WithContext(ctx).Model(&models.Invoice{}).Distinct("subscription_id").
		Where("kind = ? AND status = ? AND due_at < ? AND subscription_id IS NOT NULL", models.KindInvoice, models.InvoiceOpen, at).
		Pluck("subscription_id", &subIDs).Error; err != nil {
		return 0, 0, fmt.Errorf("find overdue invoices: %w", err)
	}
	for _, id := range subIDs {
		err := b.tx(ctx, func(tx *gorm.DB) error {
			sub, err := lockSub(tx, id)
			if errors.Is(err, models.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			var oldest models.Invoice
			if err := tx.Where("subscription_id = ? AND kind = ? AND status = ? AND due_at < ?", id, models.KindInvoice, models.InvoiceOpen, at).
				Order("due_at").Take(&oldest).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return nil
				}
				return err
			}
			void := func() error {
				return tx.Model(&models.Invoice{}).Where("subscription_id = ? AND status = ?", id, models.InvoiceOpen).
					Updates(map[string]any{"status": models.InvoiceVoid, "payment_note": "voided: unpaid", "updated_at": at}).Error
			}
			switch sub.Status {
			case models.SubIncomplete:
				cancelled++
				if err := void(); err != nil {
					return err
				}
				upd := map[string]any{"status": models.SubCancelled, "cancel_reason": "unpaid", "updated_at": at}
				if sub.EndedAt == nil { // never paid: no clean-up either
					upd["ended_at"], upd["cleanup_done_at"] = at, at
				}
				return tx.Model(sub).Updates(upd).Error
			case models.SubActive:
				pastDue++
				return tx.Model(sub).Updates(map[string]any{"status": models.SubPastDue, "past_due_at": at, "updated_at": at}).Error
			case models.SubPastDue:
				if sub.PastDueAt != nil && at.Sub(*sub.PastDueAt) < b.settings.OverdueGrace {
					return nil
				}
				cancelled++
				if err := void(); err != nil {
					return err
				}
				return tx.Model(sub).Updates(map[string]any{"status": models.SubCancelled, "ended_at": at,
					"cancel_reason": "unpaid", "updated_at": at}).Error
			}
			return nil
		})
		if err != nil {
			return pastDue, cancelled, fmt.Errorf("overdue subscription %d: %w", id, err)
		}
	}
	return pastDue, cancelled, nil
}

// CancellationReport says what one run of the cancellation job did.
type CancellationReport struct {
	Ended, Notified, CleanedUp, Deleted int
}

// RunCancellation drives the lifecycle of cancelled subscriptions:
//  1. a subscription set to cancel ends at its period end;
//  2. one month after the end, the manager gets a notice listing what
//     exceeds the Free limits (nothing exceeds: the lifecycle is done);
//  3. NoticePeriod after the notice, the excess is deleted (least recently
//     updated first), each deletion recorded, and a report is mailed.
//
// A workspace that has a plan again (renewed or re-subscribed) skips the
// steps left: its lifecycle is done.
func (b *Billing) RunCancellation(ctx context.Context, at time.Time) (CancellationReport, error) {
	var rep CancellationReport
	db := b.db.WithContext(ctx)
	// 1. End subscriptions whose cancellation came due.
	res := db.Model(&models.Subscription{}).
		Where("cancel_at_period_end = ? AND ended_at IS NULL AND current_period_end <= ?", true, at).
		Updates(map[string]any{"status": models.SubCancelled, "ended_at": gorm.Expr("current_period_end"), "updated_at": at})
	if res.Error != nil {
		return rep, fmt.Errorf("end cancelled subscriptions: %w", res.Error)
	}
	rep.Ended = int(res.RowsAffected)
	// 2 and 3.
	var subs []models.Subscription
	if err := db.Where("status = ? AND ended_at IS NOT NULL AND cleanup_done_at IS NULL", models.SubCancelled).
		Order("id").Find(&subs).Error; err != nil {
		return rep, fmt.Errorf("find cancelled subscriptions: %w", err)
	}
	for i := range subs {
		sub := &subs[i]
		graceEnd := models.AddMonthsClamped(*sub.EndedAt, cancellationGraceMonths)
		switch {
		case sub.NoticeSentAt == nil && !at.Before(graceEnd):
			done, err := b.sendNotice(ctx, sub.ID, at)
			if err != nil {
				return rep, fmt.Errorf("notice for subscription %d: %w", sub.ID, err)
			}
			if done {
				rep.CleanedUp++
			} else {
				rep.Notified++
			}
		case sub.NoticeSentAt != nil && !at.Before(sub.NoticeSentAt.Add(b.settings.NoticePeriod)):
			n, err := b.deleteExcess(ctx, sub.ID, at)
			if err != nil {
				return rep, fmt.Errorf("clean up after subscription %d: %w", sub.ID, err)
			}
			rep.CleanedUp++
			rep.Deleted += n
		}
	}
	if rep.Notified+rep.CleanedUp > 0 {
		b.mailer.Wake()
	}
	return rep, nil
}

// lifecycleTx reloads sub for a lifecycle step: nil when the step is moot.
// done is set when the workspace is gone or has a plan again.
func (b *Billing) lifecycleTx(tx *gorm.DB, id uint64, at time.Time) (sub *models.Subscription, done bool, err error) {
	if sub, err = lockSub(tx, id); err != nil {
		return nil, false, err
	}
	if sub.Status != models.SubCancelled || sub.CleanupDoneAt != nil {
		return nil, false, nil
	}
	ws := sub.Workspace()
	if ws.OrgID == 0 && ws.UserID == 0 {
		return sub, true, nil
	}
	st, err := models.WorkspacePlanState(tx.Statement.Context, tx, b.plans, ws, at)
	if err != nil {
		return nil, false, err
	}
	return sub, st.SubscriptionID != 0, nil
}

func (b *Billing) sendNotice(ctx context.Context, id uint64, at time.Time) (done bool, err error) {
	err = b.tx(ctx, func(tx *gorm.DB) error {
		sub, moot, err := b.lifecycleTx(tx, id, at)
		if err != nil || sub == nil {
			return err
		}
		ws := sub.Workspace()
		free := b.plans.Free().Limits
		var ex models.ExcessCounts
		if !moot {
			if ex, err = models.WorkspaceExcess(tx, ws, free); err != nil {
				return err
			}
		}
		if moot || !ex.Any() {
			done = true
			return tx.Model(sub).Updates(map[string]any{"cleanup_done_at": at, "updated_at": at}).Error
		}
		if err := tx.Model(sub).Updates(map[string]any{"notice_sent_at": at, "updated_at": at}).Error; err != nil {
			return err
		}
		bt, err := billTo(tx, ws)
		if err != nil || bt.Email == "" {
			return err
		}
		plan := sub.PlanID
		if p, ok := b.plans.Plan(sub.PlanID); ok {
			plan = p.Name
		}
		msg, err := mail.Render("billing_cancel_notice", map[string]any{"Name": bt.Name, "Workspace": bt.Workspace, "Plan": plan,
			"EndedOn": sub.EndedAt.Format("2006-01-02"), "Excess": ex.Lines(free, ws.OrgID != 0),
			"DeleteOn": at.Add(b.settings.NoticePeriod).Format("2006-01-02"), "Link": b.baseURL + "/"})
		if err != nil {
			return err
		}
		msg.To = bt.Email
		return b.mailer.EnqueueTx(tx, msg)
	})
	if err == nil {
		b.log.InfoContext(ctx, "cancellation notice step", "subscription_id", id, "nothing_to_delete", done)
	}
	return done, err
}

func (b *Billing) deleteExcess(ctx context.Context, id uint64, at time.Time) (int, error) {
	var deleted []models.BillingDeletion
	err := b.tx(ctx, func(tx *gorm.DB) error {
		sub, moot, err := b.lifecycleTx(tx, id, at)
		if err != nil || sub == nil {
			return err
		}
		ws := sub.Workspace()
		if !moot {
			if deleted, err = models.DeleteExcessTx(tx, sub.ID, ws, b.plans.Free().Limits, at); err != nil {
				return err
			}
		}
		if err := tx.Model(sub).Updates(map[string]any{"cleanup_done_at": at, "updated_at": at}).Error; err != nil {
			return err
		}
		if len(deleted) == 0 {
			return nil
		}
		bt, err := billTo(tx, ws)
		if err != nil || bt.Email == "" {
			return err
		}
		lines := make([]string, len(deleted))
		for i, d := range deleted {
			lines[i] = fmt.Sprintf("%s %q (id %d)", d.ResourceType, d.ResourceName, d.ResourceID)
		}
		msg, err := mail.Render("billing_cleanup_report", map[string]any{"Name": bt.Name, "Workspace": bt.Workspace,
			"Count": len(deleted), "Deleted": lines, "DeletedOn": at.Format("2006-01-02")})
		if err != nil {
			return err
		}
		msg.To = bt.Email
		return b.mailer.EnqueueTx(tx, msg)
	})
	if err == nil {
		b.log.InfoContext(ctx, "excess deleted after cancellation", "subscription_id", id, "deleted", len(deleted))
	}
	return len(deleted), err
}
