package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v82"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
)

// SubscribeRequest is a validated request for a new subscription.
type SubscribeRequest struct {
	Plan          models.Plan
	Period        string
	Quantity      int // 0 = the seats in use (Team) / 1
	Workspace     models.Workspace
	PaymentMethod string
	PONumber      string
	CreatedBy     uint64
}

// liveSubscriptionTx finds a workspace's subscription that is neither
// cancelled nor set to end (one set to end may overlap a new one until its
// period ends: a change of plan is cancel + subscribe).
func liveSubscriptionTx(tx *gorm.DB, ws models.Workspace, exceptID uint64) (*models.Subscription, error) {
	q := tx.Where("status <> ? AND cancel_at_period_end = ? AND id <> ?", models.SubCancelled, false, exceptID)
	if ws.OrgID != 0 {
		q = q.Where("organization_id = ?", ws.OrgID)
	} else {
		q = q.Where("user_id = ? AND organization_id IS NULL", ws.UserID)
	}
	var s models.Subscription
	err := q.Order("id").Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &s, err
}

// checkSeatsTx refuses a quantity below the seats an organization uses.
func checkSeatsTx(tx *gorm.DB, orgID uint64, qty int, now time.Time) (int, error) {
	members, invites, err := seatsInUse(tx, orgID, now)
	if err != nil {
		return 0, err
	}
	need := int(members + invites)
	if need < 1 {
		need = 1
	}
	if qty == 0 {
		return need, nil
	}
	if qty < need {
		return 0, fieldErr("quantity", "At least %d seats: %d member(s) and %d pending invitation(s); the owner counts as a seat.", need, members, invites)
	}
	return qty, nil
}

// Subscribe creates a subscription and its first invoice (status
// incomplete until that invoice is paid).
func (b *Billing) Subscribe(ctx context.Context, r SubscribeRequest) (*models.Subscription, *models.Invoice, error) {
	now := b.clock.Now()
	var sub *models.Subscription
	var inv *models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		// One subscriber at a time per workspace (and seat counts that
		// invitations cannot change meanwhile).
		if err := models.LockWorkspaceTx(tx, r.Workspace); err != nil {
			return err
		}
		if live, err := liveSubscriptionTx(tx, r.Workspace, 0); err != nil {
			return err
		} else if live != nil {
			return conflict("This workspace already has a subscription (id %d): cancel it before subscribing to another plan.", live.ID)
		}
		d, err := models.BillingDetailsOf(tx, r.Workspace)
		if err != nil {
			return err
		}
		if !d.Complete() {
			return fieldErr("billing_details", "Add your billing details (phone and address, and the business name when purchasing as a business) before the first payment.")
		}
		qty := 1
		if r.Plan.PerSeat {
			if qty, err = checkSeatsTx(tx, r.Workspace.OrgID, r.Quantity, now); err != nil {
				return err
			}
		}
		_, org, err := workspaceManager(tx, r.Workspace)
		if err != nil {
			return err
		}
		sub = &models.Subscription{PlanID: r.Plan.ID, Period: r.Period, Quantity: qty, UnitCents: r.Plan.PriceCents(r.Period),
			Currency: b.plans.Currency, Status: models.SubIncomplete, Provider: b.provider(r.PaymentMethod).Name(),
			PaymentMethod: r.PaymentMethod, PONumber: r.PONumber, CurrentPeriodStart: now, CurrentPeriodEnd: models.AddPeriod(now, r.Period),
			CreatedAt: now, UpdatedAt: now}
		if r.CreatedBy != 0 {
			id := r.CreatedBy
			sub.CreatedByID = &id
		}
		if r.Workspace.OrgID != 0 {
			id := r.Workspace.OrgID
			sub.OrganizationID = &id
			sub.WorkspaceName = org.Slug
		} else {
			id := r.Workspace.UserID
			sub.UserID = &id
			if u, _, err := workspaceManager(tx, r.Workspace); err == nil && u != nil {
				sub.WorkspaceName = u.Username
			}
		}
		if err := tx.Create(sub).Error; err != nil {
			return fmt.Errorf("insert subscription: %w", err)
		}
		line := planLine(r.Plan, r.Period, qty, sub.UnitCents, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
		inv, err = b.issueInvoiceTx(tx, sub, []models.InvoiceLine{line}, now, true, now)
		if err != nil {
			return err
		}
		if inv.Status == models.InvoicePaid {
			return b.activateTx(tx, sub, now)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	b.mailer.Wake()
	b.log.InfoContext(ctx, "subscription created", "subscription_id", sub.ID, "plan", sub.PlanID, "period", sub.Period,
		"quantity", sub.Quantity, "invoice", inv.Number)
	return sub, inv, nil
}

// activateTx makes an incomplete or past-due subscription active after a payment.
func (b *Billing) activateTx(tx *gorm.DB, sub *models.Subscription, now time.Time) error {
	if sub.Status != models.SubIncomplete && sub.Status != models.SubPastDue {
		return nil
	}
	// Open invoices left? Then it stays as it is.
	var open int64
	if err := tx.Model(&models.Invoice{}).Where("subscription_id = ? AND kind = ? AND status = ?", sub.ID, models.KindInvoice, models.InvoiceOpen).
		Count(&open).Error; err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	sub.Status = models.SubActive
	sub.PastDueAt, sub.EndedAt, sub.NoticeSentAt, sub.CleanupDoneAt = nil, nil, nil, nil
	return tx.Model(sub).Updates(map[string]any{"status": models.SubActive, "past_due_at": nil, "ended_at": nil,
		"notice_sent_at": nil, "cleanup_done_at": nil, "updated_at": now}).Error
}

// ChangeRequest changes seats, period, payment method or PO number.
type ChangeRequest struct {
	Quantity      *int
	Period        *string
	PaymentMethod *string
	PONumber      *string
}

// Change applies a ChangeRequest. More seats are charged now (prorated by
// the day); fewer seats credit the next invoice; monthly → annual credits
// the unused part of the month and restarts the period today.
func (b *Billing) Change(ctx context.Context, id uint64, r ChangeRequest) (*models.Subscription, *models.Invoice, error) {
	now := b.clock.Now()
	var sub *models.Subscription
	var inv *models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if sub, err = lockSub(tx, id); err != nil {
			return err
		}
		if sub.Status != models.SubActive && sub.Status != models.SubPastDue {
			return conflict("Only an active subscription can be changed (this one is %s).", sub.Status)
		}
		if sub.CancelAtPeriodEnd {
			return conflict("This subscription is set to end on %s: renew it before changing it.", sub.CurrentPeriodEnd.Format("2006-01-02"))
		}
		plan, ok := b.plans.Plan(sub.PlanID)
		if !ok {
			return conflict("The plan %q is no longer offered: cancel and subscribe to a current plan.", sub.PlanID)
		}
		updates := map[string]any{"updated_at": now}
		if r.PaymentMethod != nil {
			sub.PaymentMethod, sub.Provider = *r.PaymentMethod, b.provider(*r.PaymentMethod).Name()
			updates["payment_method"], updates["provider"] = sub.PaymentMethod, sub.Provider
		}
		if r.PONumber != nil {
			sub.PONumber = *r.PONumber
			updates["po_number"] = sub.PONumber
		}
		newQty := sub.Quantity
		if r.Quantity != nil {
			if !plan.PerSeat {
				return fieldErr("quantity", "Only plans priced per seat have a quantity.")
			}
			if err := models.LockWorkspaceTx(tx, sub.Workspace()); err != nil {
				return err
			}
			if newQty, err = checkSeatsTx(tx, *sub.OrganizationID, *r.Quantity, now); err != nil {
				return err
			}
		}
		switch {
		case r.Period != nil && *r.Period != sub.Period:
			if sub.Period != models.PeriodMonthly || *r.Period != models.PeriodAnnual {
				return fieldErr("period", "Only a switch from monthly to annual is possible; to change otherwise, cancel and subscribe again.")
			}
			credit := models.UnusedCredit(sub.UnitCents, sub.Quantity, now, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
			sub.Period, sub.Quantity, sub.UnitCents = models.PeriodAnnual, newQty, plan.AnnualCents
			sub.CurrentPeriodStart, sub.CurrentPeriodEnd = now, models.AddPeriod(now, models.PeriodAnnual)
			sub.CreditCents += credit
			updates["period"], updates["quantity"], updates["unit_cents"] = sub.Period, sub.Quantity, sub.UnitCents
			updates["current_period_start"], updates["current_period_end"] = sub.CurrentPeriodStart, sub.CurrentPeriodEnd
			updates["credit_cents"] = sub.CreditCents
			if err := tx.Model(sub).Updates(updates).Error; err != nil {
				return err
			}
			line := planLine(plan, sub.Period, sub.Quantity, sub.UnitCents, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
			lines := []models.InvoiceLine{line}
			if credit > 0 {
				lines[0].Description += fmt.Sprintf(" (switch from monthly; %s unused credited)", money(credit, sub.Currency))
			}
			inv, err = b.issueInvoiceTx(tx, sub, lines, now, true, now)
			return err
		case newQty > sub.Quantity:
			charge, _ := models.SeatChange(sub.UnitCents, sub.Quantity, newQty, now, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
			remaining, _ := models.RemainingDays(now, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
			added := newQty - sub.Quantity
			sub.Quantity = newQty
			updates["quantity"] = newQty
			if err := tx.Model(sub).Updates(updates).Error; err != nil {
				return err
			}
			start, end := now, sub.CurrentPeriodEnd
			line := models.InvoiceLine{Description: fmt.Sprintf("%s plan, %d added seat(s), prorated for %d remaining day(s)", plan.Name, added, remaining),
				Quantity: added, UnitCents: sub.UnitCents, AmountCents: charge, PeriodStart: &start, PeriodEnd: &end}
			inv, err = b.issueInvoiceTx(tx, sub, []models.InvoiceLine{line}, sub.CurrentPeriodStart, false, now)
			return err
		case newQty < sub.Quantity:
			_, credit := models.SeatChange(sub.UnitCents, sub.Quantity, newQty, now, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
			sub.Quantity = newQty
			sub.CreditCents += credit
			updates["quantity"], updates["credit_cents"] = newQty, sub.CreditCents
		}
		return tx.Model(sub).Updates(updates).Error
	})
	if err != nil {
		return nil, nil, err
	}
	if inv != nil {
		b.mailer.Wake()
	}
	b.log.InfoContext(ctx, "subscription changed", "subscription_id", sub.ID, "quantity", sub.Quantity, "period", sub.Period)
	return sub, inv, nil
}

// Cancel ends a subscription at its period end (at once when never paid).
func (b *Billing) Cancel(ctx context.Context, id uint64, reason, comment string) (*models.Subscription, error) {
	now := b.clock.Now()
	var sub *models.Subscription
	err := b.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if sub, err = lockSub(tx, id); err != nil {
			return err
		}
		if sub.Status == models.SubCancelled || sub.CancelAtPeriodEnd {
			return conflict("This subscription is already cancelled.")
		}
		updates := map[string]any{"cancel_at_period_end": true, "cancel_requested_at": now, "cancel_reason": reason,
			"cancel_comment": comment, "updated_at": now}
		if sub.Status == models.SubIncomplete {
			// Not paid: it ends at once. Never paid before: nothing to keep,
			// nothing to clean up; a re-subscription of an ended one goes
			// back to that end and its clean-up.
			updates["status"] = models.SubCancelled
			if sub.EndedAt == nil {
				updates["ended_at"], updates["cleanup_done_at"] = now, now
			}
			if err := tx.Model(&models.Invoice{}).Where("subscription_id = ? AND status = ?", sub.ID, models.InvoiceOpen).
				Updates(map[string]any{"status": models.InvoiceVoid, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(sub).Updates(updates).Error; err != nil {
			return err
		}
		return tx.First(sub, sub.ID).Error
	})
	if err != nil {
		return nil, err
	}
	b.log.InfoContext(ctx, "subscription cancelled", "subscription_id", sub.ID, "reason", reason, "ends_at", sub.CurrentPeriodEnd)
	return sub, nil
}

// Renew undoes a cancellation that has not taken effect, or starts an ended
// subscription again today with a new invoice.
func (b *Billing) Renew(ctx context.Context, id uint64, method string) (*models.Subscription, *models.Invoice, error) {
	now := b.clock.Now()
	var sub *models.Subscription
	var inv *models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if sub, err = lockSub(tx, id); err != nil {
			return err
		}
		ws := sub.Workspace()
		if ws.OrgID == 0 && ws.UserID == 0 {
			return conflict("The workspace of this subscription no longer exists.")
		}
		if sub.Status == models.SubIncomplete {
			return conflict("This subscription waits for the payment of its first invoice.")
		}
		if err := models.LockWorkspaceTx(tx, ws); err != nil {
			return err
		}
		if sub.EndsAt(now) == nil && sub.Status != models.SubCancelled {
			if !sub.CancelAtPeriodEnd {
				return conflict("This subscription is active and not set to end: there is nothing to renew.")
			}
			if live, err := liveSubscriptionTx(tx, ws, sub.ID); err != nil {
				return err
			} else if live != nil {
				return conflict("This workspace has another subscription (id %d).", live.ID)
			}
			return tx.Model(sub).Updates(map[string]any{"cancel_at_period_end": false, "cancel_requested_at": nil,
				"cancel_reason": "", "cancel_comment": "", "updated_at": now}).Error
		}
		if live, err := liveSubscriptionTx(tx, ws, sub.ID); err != nil {
			return err
		} else if live != nil {
			return conflict("This workspace has another subscription (id %d).", live.ID)
		}
		d, err := models.BillingDetailsOf(tx, ws)
		if err != nil {
			return err
		}
		if !d.Complete() {
			return fieldErr("billing_details", "Add your billing details (phone and address) before the payment.")
		}
		plan, ok := b.plans.Plan(sub.PlanID)
		if !ok {
			return conflict("The plan %q is no longer offered: subscribe to a current plan.", sub.PlanID)
		}
		qty := 1
		if plan.PerSeat {
			if qty, err = checkSeatsTx(tx, ws.OrgID, sub.Quantity, now); err != nil {
				if be := (*billingErr)(nil); errors.As(err, &be) {
					qty, err = checkSeatsTx(tx, ws.OrgID, 0, now)
				}
				if err != nil {
					return err
				}
			}
		}
		if method == "" {
			method = sub.PaymentMethod
		}
		sub.Status, sub.Quantity, sub.UnitCents = models.SubIncomplete, qty, plan.PriceCents(sub.Period)
		sub.PaymentMethod, sub.Provider = method, b.provider(method).Name()
		sub.CurrentPeriodStart, sub.CurrentPeriodEnd = now, models.AddPeriod(now, sub.Period)
		sub.CancelAtPeriodEnd, sub.CancelRequestedAt, sub.CancelReason, sub.CancelComment = false, nil, "", ""
		// The end and the clean-up state stay until the new first invoice is
		// paid (activateTx clears them): an unpaid re-subscription must not
		// stop the clean-up of an ended one.
		if sub.EndedAt == nil {
			sub.EndedAt = sub.EndsAt(now)
		}
		sub.PastDueAt = nil
		sub.UpdatedAt = now
		if err := tx.Save(sub).Error; err != nil {
			return err
		}
		line := planLine(plan, sub.Period, qty, sub.UnitCents, sub.CurrentPeriodStart, sub.CurrentPeriodEnd)
		if inv, err = b.issueInvoiceTx(tx, sub, []models.InvoiceLine{line}, now, true, now); err != nil {
			return err
		}
		if inv.Status == models.InvoicePaid {
			return b.activateTx(tx, sub, now)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if inv != nil {
		b.mailer.Wake()
	}
	sub, err = b.db.SubscriptionByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	b.log.InfoContext(ctx, "subscription renewed", "subscription_id", sub.ID, "new_invoice", inv != nil)
	return sub, inv, nil
}

// MarkPaid records the payment of an open invoice (an admin for a bank
// transfer, or the provider's webhook) and activates its subscription.
func (b *Billing) MarkPaid(ctx context.Context, invoiceID uint64, paidAt time.Time, note, ref string) (*models.Invoice, error) {
	now := b.clock.Now()
	var inv models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		locked, err := lockRow[models.Invoice](tx, invoiceID)
		if err != nil {
			return err
		}
		inv = *locked
		if inv.Kind != models.KindInvoice || inv.Status != models.InvoiceOpen {
			return conflict("Only an open invoice can be paid (%s is %s).", inv.Number, inv.Status)
		}
		upd := map[string]any{"status": models.InvoicePaid, "paid_at": paidAt, "payment_note": note, "updated_at": now}
		if ref != "" {
			upd["provider_ref"] = ref
		}
		if err := tx.Model(&inv).Updates(upd).Error; err != nil {
			return err
		}
		if inv.SubscriptionID != nil {
			sub, err := lockSub(tx, *inv.SubscriptionID)
			if err != nil && !errors.Is(err, models.ErrNotFound) {
				return err
			}
			if sub != nil {
				if err := b.activateTx(tx, sub, now); err != nil {
					return err
				}
			}
		}
		bt := inv.BillToInfo()
		return b.mailInvoiceTx(tx, &inv, bt)
	})
	if err != nil {
		return nil, err
	}
	b.mailer.Wake()
	b.log.InfoContext(ctx, "invoice paid", "invoice", inv.Number, "total_cents", inv.TotalCents)
	return &inv, nil
}

// GrantDiscount gives percent off the invoices of the next months months.
func (b *Billing) GrantDiscount(ctx context.Context, id uint64, percent, months int) (*models.Subscription, error) {
	now := b.clock.Now()
	var sub *models.Subscription
	err := b.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if sub, err = lockSub(tx, id); err != nil {
			return err
		}
		if sub.Status == models.SubCancelled {
			return conflict("The subscription is cancelled.")
		}
		var until *time.Time
		if percent > 0 {
			u := models.AddMonthsClamped(now, months)
			until = &u
		}
		sub.DiscountPercent, sub.DiscountUntil = percent, until
		return tx.Model(sub).Updates(map[string]any{"discount_percent": percent, "discount_until": until, "updated_at": now}).Error
	})
	if err != nil {
		return nil, err
	}
	b.log.InfoContext(ctx, "discount set", "subscription_id", id, "percent", percent, "months", months)
	return sub, nil
}

// Refund issues a credit note for part or all of a paid invoice (and gives
// the money back through the provider that took it).
func (b *Billing) Refund(ctx context.Context, invoiceID uint64, amount int64, reason string) (*models.Invoice, error) {
	now := b.clock.Now()
	var cn *models.Invoice
	var orig models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		locked, err := lockRow[models.Invoice](tx, invoiceID)
		if err != nil {
			return err
		}
		orig = *locked
		if orig.Kind != models.KindInvoice || orig.Status != models.InvoicePaid {
			return conflict("Only a paid invoice can be refunded (%s is %s).", orig.Number, orig.Status)
		}
		left := orig.TotalCents - orig.RefundedCents
		if amount <= 0 || amount > left {
			return fieldErr("amount_cents", "Refund from 1 to %d cents (paid %d, refunded %d).", left, orig.TotalCents, orig.RefundedCents)
		}
		prov := b.manual
		if orig.PaymentMethod == models.PayCard && b.stripe != nil {
			prov = b.stripe
		}
		ref, err := prov.Refund(ctx, &orig, amount)
		if err != nil {
			return err
		}
		desc := "Refund of " + orig.Number
		if reason != "" {
			desc += ": " + reason
		}
		line := models.InvoiceLine{Description: desc, Quantity: 1, UnitCents: amount, AmountCents: amount}
		cn = &models.Invoice{Kind: models.KindCreditNote, SubscriptionID: orig.SubscriptionID, UserID: orig.UserID,
			OrganizationID: orig.OrganizationID, RefersToID: &orig.ID, Status: models.InvoiceIssued, Currency: orig.Currency,
			PONumber: orig.PONumber, PaymentMethod: orig.PaymentMethod, ProviderRef: ref, IssuedAt: now}
		cn.SetContent(orig.BillToInfo(), []models.InvoiceLine{line}, models.Totals{Subtotal: amount, Total: amount}, 0)
		if err := models.CreateInvoiceTx(tx, cn, now); err != nil {
			return err
		}
		if err := tx.Model(&orig).Updates(map[string]any{"refunded_cents": orig.RefundedCents + amount, "updated_at": now}).Error; err != nil {
			return err
		}
		return b.mailInvoiceTx(tx, cn, orig.BillToInfo())
	})
	if err != nil {
		return nil, err
	}
	b.mailer.Wake()
	b.log.InfoContext(ctx, "credit note issued", "credit_note", cn.Number, "invoice", orig.Number, "amount_cents", amount)
	return cn, nil
}

// Quote issues a numbered quote for an annual subscription.
func (b *Billing) Quote(ctx context.Context, plan models.Plan, qty int, ws models.Workspace, po string) (*models.Invoice, error) {
	now := b.clock.Now()
	line := planLine(plan, models.PeriodAnnual, qty, plan.AnnualCents, now, models.AddPeriod(now, models.PeriodAnnual))
	tot := models.ComputeTotals([]models.InvoiceLine{line}, 0, b.settings.TaxRateBP, 0)
	if tot.Subtotal < models.QuoteMinimumCents {
		return nil, fieldErr("", "Quotes are for annual totals of %s or more.", money(models.QuoteMinimumCents, b.plans.Currency))
	}
	var q *models.Invoice
	err := b.tx(ctx, func(tx *gorm.DB) error {
		bt, err := billTo(tx, ws)
		if err != nil {
			return err
		}
		valid := now.Add(quoteValidity)
		q = &models.Invoice{Kind: models.KindQuote, Status: models.InvoiceIssued, Currency: b.plans.Currency, PONumber: po,
			IssuedAt: now, DueAt: &valid, PeriodStart: line.PeriodStart, PeriodEnd: line.PeriodEnd}
		if ws.OrgID != 0 {
			id := ws.OrgID
			q.OrganizationID = &id
		} else {
			id := ws.UserID
			q.UserID = &id
		}
		q.SetContent(bt, []models.InvoiceLine{line}, tot, b.settings.TaxRateBP)
		return models.CreateInvoiceTx(tx, q, now)
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// StartPayment asks the invoice's provider how to pay it. The provider's
// customer is kept on the subscription so every later payment (and the
// card saved by it) belongs to the same payer.
func (b *Billing) StartPayment(ctx context.Context, inv *models.Invoice, method string) (*PaymentInfo, error) {
	if inv.Kind != models.KindInvoice || inv.Status != models.InvoiceOpen {
		return nil, conflict("Only an open invoice can be paid (%s is %s).", inv.Number, inv.Status)
	}
	if method == "" {
		method = inv.PaymentMethod
	}
	var sub models.Subscription
	if inv.SubscriptionID != nil {
		if err := b.db.WithContext(ctx).Take(&sub, *inv.SubscriptionID).Error; err != nil {
			return nil, fmt.Errorf("load the subscription of %s: %w", inv.Number, err)
		}
	}
	start, err := b.provider(method).StartPayment(ctx, PaymentRequest{Invoice: inv, Email: inv.BillToInfo().Email, Customer: sub.ProviderCustomer})
	if err != nil {
		return nil, err
	}
	now := b.clock.Now()
	err = b.tx(ctx, func(tx *gorm.DB) error {
		upd := map[string]any{"payment_method": method, "updated_at": now}
		if start.Ref != "" {
			upd["provider_ref"] = start.Ref
		}
		if err := tx.Model(inv).Where("status = ?", models.InvoiceOpen).Updates(upd).Error; err != nil {
			return fmt.Errorf("record the payment of %s: %w", inv.Number, err)
		}
		if sub.ID != 0 && start.Customer != "" && start.Customer != sub.ProviderCustomer {
			if err := tx.Model(&sub).Updates(map[string]any{"provider_customer": start.Customer, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("record the payer of %s: %w", inv.Number, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &start.Info, nil
}

// SaveCard remembers the card of a succeeded payment intent that asked to
// keep it (setup_future_usage=off_session) as the one renewals of the
// invoice's subscription are charged to.
func (b *Billing) SaveCard(ctx context.Context, inv *models.Invoice, pi *stripe.PaymentIntent) error {
	if inv.SubscriptionID == nil || pi.PaymentMethod == nil || pi.PaymentMethod.ID == "" || pi.Customer == nil || pi.Customer.ID == "" ||
		pi.SetupFutureUsage != stripe.PaymentIntentSetupFutureUsageOffSession {
		return nil
	}
	err := b.db.WithContext(ctx).Model(&models.Subscription{}).Where("id = ?", *inv.SubscriptionID).
		Updates(map[string]any{"provider_customer": pi.Customer.ID, "provider_payment_method": pi.PaymentMethod.ID, "updated_at": b.clock.Now()}).Error
	if err != nil {
		return fmt.Errorf("save the card of %s: %w", inv.Number, err)
	}
	return nil
}

// chargeSavedCards charges, without the payer, every open card invoice of a
// subscription with a saved card that was not tried yet. A charge that does
// not succeed at once leaves the invoice open (the webhook settles a late
// success; the owner can pay it on the payment page), and one payer's
// failure does not stop the others.
func (b *Billing) chargeSavedCards(ctx context.Context, at time.Time) (charged int, err error) {
	if b.stripe == nil {
		return 0, nil
	}
	type row struct {
		InvoiceID             uint64
		ProviderCustomer      string
		ProviderPaymentMethod string
	}
	var rows []row
	err = b.db.WithContext(ctx).Table("billing_invoices AS i").
		Select("i.id AS invoice_id, s.provider_customer, s.provider_payment_method").
		Joins("JOIN billing_subscriptions s ON s.id = i.subscription_id").
		Where("i.kind = ? AND i.status = ? AND i.payment_method = ? AND i.provider_ref = ''", models.KindInvoice, models.InvoiceOpen, models.PayCard).
		Where("s.provider_customer <> '' AND s.provider_payment_method <> ''").
		Order("i.id").Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("find card invoices to charge: %w", err)
	}
	for _, r := range rows {
		inv, err := b.db.InvoiceByID(ctx, r.InvoiceID)
		if err != nil {
			return charged, err
		}
		res, err := b.stripe.ChargeSaved(ctx, inv, r.ProviderCustomer, r.ProviderPaymentMethod)
		if err != nil {
			b.log.Warn("charging the saved card failed; the invoice stays open", "invoice", inv.Number, "err", err)
			continue
		}
		if err := b.db.WithContext(ctx).Model(inv).Where("status = ? AND provider_ref = ''", models.InvoiceOpen).
			Updates(map[string]any{"provider_ref": res.Ref, "updated_at": at}).Error; err != nil {
			return charged, fmt.Errorf("record the charge of %s: %w", inv.Number, err)
		}
		if !res.Succeeded {
			b.log.Info("the saved card was not charged at once; the invoice stays open", "invoice", inv.Number, "status", res.Status)
			continue
		}
		if _, err := b.MarkPaid(ctx, inv.ID, at, "card payment "+res.Ref+" (saved card)", res.Ref); err != nil {
			return charged, err
		}
		charged++
	}
	return charged, nil
}
