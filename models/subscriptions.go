package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Subscription statuses.
const (
	// SubIncomplete: created, first invoice not paid yet; lifts nothing.
	SubIncomplete = "incomplete"
	// SubActive: paid (or renewed and within the payment terms); lifts the plan's limits.
	SubActive = "active"
	// SubPastDue: a renewal invoice is unpaid past its due date; the plan
	// still applies until the overdue grace ends.
	SubPastDue = "past_due"
	// SubCancelled: ended (by the owner at the period end, by an admin, by
	// non-payment, or because its workspace was deleted).
	SubCancelled = "cancelled"
)

// Payment methods.
const (
	PayBankTransfer = "bank_transfer"
	PayCard         = "card"
)

// Subscription is one paid plan for one workspace: Solo for a user's personal
// workspace, Team for an organization. Prices are frozen at subscription time
// (UnitCents per unit and period).
type Subscription struct {
	ID        uint64 `gorm:"primaryKey" json:"id"`
	PlanID    string `json:"plan"`
	Period    string `json:"period"`
	Quantity  int    `json:"quantity"`
	UnitCents int64  `json:"unit_cents"`
	Currency  string `json:"currency"`
	// UserID is set for personal plans (Solo) only; OrganizationID for
	// organization plans (Team) only. Both nil: the workspace was deleted.
	UserID         *uint64 `json:"user_id"`
	OrganizationID *uint64 `json:"organization_id"`
	WorkspaceName  string  `json:"workspace_name"`
	CreatedByID    *uint64 `json:"created_by_id"`
	Status         string  `json:"status"`
	Provider       string  `json:"provider"`
	PaymentMethod  string  `json:"payment_method"`
	ProviderRef    string  `json:"-"`
	// ProviderCustomer and ProviderPaymentMethod are the provider's ids of
	// the customer and of the card saved at the first card payment (renewals
	// are charged to it).
	ProviderCustomer      string     `json:"-"`
	ProviderPaymentMethod string     `json:"-"`
	CurrentPeriodStart    time.Time  `json:"current_period_start"`
	CurrentPeriodEnd      time.Time  `json:"current_period_end"`
	CancelAtPeriodEnd     bool       `json:"cancel_at_period_end"`
	CancelRequestedAt     *time.Time `json:"cancel_requested_at"`
	CancelReason          string     `json:"cancel_reason"`
	CancelComment         string     `json:"cancel_comment"`
	EndedAt               *time.Time `json:"ended_at"`
	CreditCents           int64      `json:"credit_cents"`
	DiscountPercent       int        `json:"discount_percent"`
	DiscountUntil         *time.Time `json:"discount_until"`
	PONumber              string     `json:"po_number"`
	PastDueAt             *time.Time `json:"past_due_at"`
	NoticeSentAt          *time.Time `json:"notice_sent_at"`
	CleanupDoneAt         *time.Time `json:"cleanup_done_at"`
	CreatedAt             time.Time  `json:"created_date"`
	UpdatedAt             time.Time  `json:"updated_date"`
}

// TableName keeps the billing tables together.
func (Subscription) TableName() string { return "billing_subscriptions" }

// Workspace returns the workspace the subscription pays for.
func (s *Subscription) Workspace() Workspace {
	w := Workspace{}
	if s.OrganizationID != nil {
		w.OrgID = *s.OrganizationID
	} else if s.UserID != nil {
		w.UserID = *s.UserID
	}
	return w
}

// EndsAt is when the subscription stops lifting limits as seen at now, or
// nil while it keeps going: its EndedAt, or the end of the period once a
// cancellation requested for the period end has come due.
func (s *Subscription) EndsAt(now time.Time) *time.Time {
	if s.EndedAt != nil {
		return s.EndedAt
	}
	if s.CancelAtPeriodEnd && !now.Before(s.CurrentPeriodEnd) {
		t := s.CurrentPeriodEnd
		return &t
	}
	return nil
}

// Lifts tells whether the subscription lifts its plan's limits at now.
func (s *Subscription) Lifts(now time.Time) bool {
	if s.Status != SubActive && s.Status != SubPastDue {
		return false
	}
	return s.EndsAt(now) == nil
}

// EndWorkspaceSubscriptionsTx ends every subscription of ws at now, for a
// workspace being deleted (call it in the deleting transaction): no more
// invoices, nothing to clean up, open invoices void. Paid invoices and credit
// notes stay for the books.
func EndWorkspaceSubscriptionsTx(tx *gorm.DB, ws Workspace, now time.Time) error {
	q := tx.Model(&Subscription{}).Where("status <> ?", SubCancelled)
	inv := tx.Model(&Invoice{}).Where("status = ?", InvoiceOpen)
	if ws.OrgID != 0 {
		q = q.Where("organization_id = ?", ws.OrgID)
		inv = inv.Where("organization_id = ?", ws.OrgID)
	} else {
		q = q.Where("user_id = ? AND organization_id IS NULL", ws.UserID)
		inv = inv.Where("user_id = ? AND organization_id IS NULL", ws.UserID)
	}
	if err := inv.Updates(map[string]any{"status": InvoiceVoid, "payment_note": "voided: workspace deleted", "updated_at": now}).Error; err != nil {
		return fmt.Errorf("void open invoices of the workspace: %w", err)
	}
	if err := q.Updates(map[string]any{"status": SubCancelled, "ended_at": now, "cleanup_done_at": now,
		"cancel_reason": "workspace_deleted", "updated_at": now}).Error; err != nil {
		return fmt.Errorf("end subscriptions of the workspace: %w", err)
	}
	return nil
}
