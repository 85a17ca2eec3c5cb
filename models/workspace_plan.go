package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Workspace names where resources live: an organization, or (OrgID == 0)
// the personal workspace of UserID.
type Workspace struct{ UserID, OrgID uint64 }

// Personal tells a personal workspace from an organization.
func (w Workspace) Personal() bool { return w.OrgID == 0 }

// PlanState is what a workspace may do under its plan right now.
type PlanState struct {
	// Plan is the effective plan: Free unless a subscription lifts it.
	Plan Plan
	// Seats are the paid seats of a Team subscription (the owner counts); 0 otherwise.
	Seats int
	// SubscriptionID is the subscription behind Plan (0 on Free).
	SubscriptionID uint64
	// Cancelled: the workspace's last subscription ended and the clean-up of
	// what exceeds the Free limits has not finished yet. Free limits apply;
	// writes where usage exceeds them are refused.
	Cancelled   bool
	CancelledAt *time.Time
}

// WorkspacePlanState works out the plan of ws at now from its subscriptions.
// tx may be a transaction (the limits checks run inside the insert's).
// A personal workspace is lifted by a personal-scope plan (Solo) of its
// user; an organization by an organization-scope plan (Team) of its own.
func WorkspacePlanState(ctx context.Context, tx *gorm.DB, cat *Catalog, ws Workspace, now time.Time) (PlanState, error) {
	if cat == nil {
		cat = DefaultCatalog()
	}
	q := tx.WithContext(ctx).Model(&Subscription{}).Where("status <> ?", SubIncomplete)
	if ws.OrgID != 0 {
		q = q.Where("organization_id = ?", ws.OrgID)
	} else {
		q = q.Where("user_id = ? AND organization_id IS NULL", ws.UserID)
	}
	var subs []Subscription
	if err := q.Order("id DESC").Limit(50).Find(&subs).Error; err != nil {
		return PlanState{}, fmt.Errorf("load subscriptions of workspace: %w", err)
	}
	st := PlanState{Plan: cat.Free()}
	var best *Subscription
	for i := range subs {
		s := &subs[i]
		if !s.Lifts(now) {
			continue
		}
		if best == nil || s.Quantity > best.Quantity {
			best = s
		}
	}
	if best != nil {
		p, ok := cat.Plan(best.PlanID)
		if !ok {
			// The plans file no longer lists the plan: keep the paid
			// customer unlimited rather than dropping them to Free.
			p = Plan{ID: best.PlanID, Name: best.PlanID, Limits: UnlimitedLimits}
		}
		st.Plan = p
		st.SubscriptionID = best.ID
		if p.PerSeat {
			st.Seats = best.Quantity
		}
		return st, nil
	}
	// No subscription lifts the workspace: is a cancellation still running?
	var last *time.Time
	for i := range subs {
		s := &subs[i]
		if s.CleanupDoneAt != nil {
			continue
		}
		end := s.EndsAt(now)
		if end == nil || end.After(now) {
			continue
		}
		if last == nil || end.After(*last) {
			e := *end
			last = &e
		}
	}
	if last != nil {
		st.Cancelled = true
		st.CancelledAt = last
	}
	return st, nil
}
