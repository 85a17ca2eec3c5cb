package server

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/models"
)

// TestBillingChangesAreAudited: every billing change lands in the audit log
// with who made it and what it touched; a refused change leaves nothing.
func TestBillingChangesAreAudited(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{})
	buyer := e.user("blaudit")
	adm := e.admin()
	events := func(name string) []models.AuditEvent {
		var out []models.AuditEvent
		if err := e.db.Where("event = ?", name).Order("id").Find(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Refused (no billing details yet): nothing recorded.
	expect(t, buyer.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "agree_refund_policy": true}), 400)
	if got := events("billing.subscription.create"); len(got) != 0 {
		t.Fatalf("a refused subscribe was audited: %+v", got)
	}
	res := e.subscribe(buyer, map[string]any{"plan": "solo"}) // puts billing details, then subscribes
	e.pay(adm, res.Invoice.ID)
	expect(t, buyer.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", res.Subscription.ID), map[string]any{"reason": "too_expensive"}), 200)

	tests := []struct {
		event  string
		actor  uint64
		target string
	}{
		{"billing.details.update", buyer.id, ""},
		{"billing.subscription.create", buyer.id, fmt.Sprint(res.Subscription.ID)},
		{"billing.payment.record", adm.id, fmt.Sprint(res.Invoice.ID)},
		{"billing.subscription.cancel", buyer.id, fmt.Sprint(res.Subscription.ID)},
	}
	for _, tc := range tests {
		got := events(tc.event)
		if len(got) != 1 {
			t.Errorf("%s: %d events, want 1", tc.event, len(got))
			continue
		}
		if got[0].ActorID == nil || *got[0].ActorID != tc.actor {
			t.Errorf("%s: actor %v, want %d", tc.event, got[0].ActorID, tc.actor)
		}
		if tc.target != "" && got[0].TargetID != tc.target {
			t.Errorf("%s: target %q, want %q", tc.event, got[0].TargetID, tc.target)
		}
	}
}
