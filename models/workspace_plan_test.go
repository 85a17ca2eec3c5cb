package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func billingUser(t *testing.T, db *models.DB, name string) *models.User {
	t.Helper()
	u := &models.User{Username: name, Email: name + "@example.com", DateJoined: t0, PasswordChangedAt: t0, UpdatedAt: t0}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestWorkspacePlanState(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		cat := models.DefaultCatalog()
		alice := billingUser(t, db, "wps-alice")
		org := &models.Organization{Slug: "wps"}
		if err := db.CreateOrganization(ctx, org, alice.ID, t0); err != nil {
			t.Fatal(err)
		}
		personal := models.Workspace{UserID: alice.ID}
		orgWS := models.Workspace{UserID: alice.ID, OrgID: org.ID}
		state := func(ws models.Workspace, at time.Time) models.PlanState {
			t.Helper()
			st, err := models.WorkspacePlanState(ctx, db.DB, cat, ws, at)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		if st := state(personal, t0); st.Plan.ID != "free" || st.Cancelled || st.Seats != 0 {
			t.Fatalf("no subscription: %+v", st)
		}
		end := t0.AddDate(0, 1, 0)
		solo := &models.Subscription{PlanID: "solo", Period: models.PeriodMonthly, Quantity: 1, UnitCents: 3300, Currency: "usd",
			UserID: &alice.ID, Status: models.SubIncomplete, Provider: "manual", PaymentMethod: models.PayBankTransfer,
			CurrentPeriodStart: t0, CurrentPeriodEnd: end, CreatedAt: t0, UpdatedAt: t0}
		if err := db.Create(solo).Error; err != nil {
			t.Fatal(err)
		}
		if st := state(personal, t0); st.Plan.ID != "free" {
			t.Fatalf("unpaid subscription lifted the plan: %+v", st)
		}
		db.Model(solo).Update("status", models.SubActive)
		if st := state(personal, t0); st.Plan.ID != "solo" || st.SubscriptionID != solo.ID {
			t.Fatalf("active solo: %+v", st)
		}
		if st := state(orgWS, t0); st.Plan.ID != "free" {
			t.Fatalf("solo lifted an organization: %+v", st)
		}
		team := &models.Subscription{PlanID: "team", Period: models.PeriodAnnual, Quantity: 4, UnitCents: 27720, Currency: "usd",
			CreatedByID: &alice.ID, OrganizationID: &org.ID, Status: models.SubActive, Provider: "manual", PaymentMethod: models.PayBankTransfer,
			CurrentPeriodStart: t0, CurrentPeriodEnd: t0.AddDate(1, 0, 0), CreatedAt: t0, UpdatedAt: t0}
		if err := db.Create(team).Error; err != nil {
			t.Fatal(err)
		}
		if st := state(orgWS, t0); st.Plan.ID != "team" || st.Seats != 4 {
			t.Fatalf("team: %+v", st)
		}
		if st := state(personal, t0); st.Plan.ID != "solo" {
			t.Fatalf("team changed the personal plan: %+v", st)
		}
		// Cancel at the period end: still Solo until then, Cancelled after.
		db.Model(solo).Update("cancel_at_period_end", true)
		if st := state(personal, end.Add(-time.Second)); st.Plan.ID != "solo" || st.Cancelled {
			t.Fatalf("before the period end: %+v", st)
		}
		st := state(personal, end)
		if st.Plan.ID != "free" || !st.Cancelled || st.CancelledAt == nil || !st.CancelledAt.Equal(end) {
			t.Fatalf("after the period end: %+v", st)
		}
		// Clean-up finished: plain Free again.
		done := end.AddDate(0, 2, 0)
		db.Model(solo).Update("cleanup_done_at", done)
		if st := state(personal, done); st.Plan.ID != "free" || st.Cancelled {
			t.Fatalf("after clean-up: %+v", st)
		}
	})
}
