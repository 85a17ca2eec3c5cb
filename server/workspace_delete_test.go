package server

import (
	"testing"

	"github.com/gatehouse/gatehouse/models"
	"gorm.io/gorm"
)

// TestDeletingAWorkspaceEndsItsSubscriptions: deleting an organization (or
// a user) ends its subscriptions and voids its open invoices in the same
// transaction; nobody is billed for a workspace that is gone.
func TestDeletingAWorkspaceEndsItsSubscriptions(t *testing.T) {
	env := limitsEnv(t, nil)
	now := env.clock.Now()
	owner, _, orgID := newOrg(t, env, "wsdel")
	team := subscribe(t, env.db, "team", 3, nil, &orgID, now)
	open := &models.Invoice{Kind: models.KindInvoice, Status: models.InvoiceOpen, Currency: "usd", OrganizationID: &orgID, SubscriptionID: &team.ID}
	if err := env.db.Transaction(func(tx *gorm.DB) error { return models.CreateInvoiceTx(tx, open, now) }); err != nil {
		t.Fatal(err)
	}
	// Another organization's subscription is left alone.
	_, _, otherID := newOrg(t, env, "wskeep")
	other := subscribe(t, env.db, "team", 3, nil, &otherID, now)

	expect(t, owner.do("DELETE", "/api/organizations/"+itoa(orgID), nil), 204)
	reload := func(s *models.Subscription) models.Subscription {
		var got models.Subscription
		if err := env.db.First(&got, s.ID).Error; err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := reload(team); got.Status != models.SubCancelled || got.EndedAt == nil {
		t.Errorf("deleted organization's subscription: status %q, ended %v; want cancelled and ended", got.Status, got.EndedAt)
	}
	var inv models.Invoice
	if err := env.db.First(&inv, open.ID).Error; err != nil {
		t.Fatal(err)
	}
	if inv.Status != models.InvoiceVoid {
		t.Errorf("open invoice of the deleted organization: status %q, want void", inv.Status)
	}
	if got := reload(other); got.Status != models.SubActive {
		t.Errorf("other organization's subscription: status %q, want active", got.Status)
	}

	// A user with a Solo plan deletes their account.
	solo, _, _ := env.registerUser("wsdelsolo")
	var me struct{ ID uint64 }
	r := solo.do("GET", "/api/users/self", nil)
	expect(t, r, 200)
	decodeInto(t, r, &me)
	plan := subscribe(t, env.db, "solo", 1, &me.ID, nil, now)
	expect(t, solo.do("DELETE", "/api/users/"+itoa(me.ID), nil), 204)
	if got := reload(plan); got.Status != models.SubCancelled {
		t.Errorf("deleted user's Solo subscription: status %q, want cancelled", got.Status)
	}
}
