package server

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// billingEnv is an accounts env on the built-in plan catalog with a billing
// service whose settings a test chooses.
type billingEnv struct {
	*accountsEnv
}

func newBillingEnv(t *testing.T, smtp bool, settings BillingSettings) *billingEnv {
	t.Helper()
	return newBillingEnvDB(t, nil, smtp, settings)
}

// newBillingEnvDB is newBillingEnv on db (nil: a fresh SQLite database).
func newBillingEnvDB(t *testing.T, db *models.DB, smtp bool, settings BillingSettings) *billingEnv {
	t.Helper()
	env := newAccountsEnv(t, envOptions{verification: "none", smtp: smtp, plans: models.DefaultCatalog(), db: db, authBudget: 10000})
	env.srv.useBilling(NewBilling(BillingDeps{DB: env.db, Clock: env.clock, Logger: env.srv.log, Mailer: env.mailer,
		Plans: env.srv.plans, Settings: settings, BaseURL: env.URL}))
	return &billingEnv{env}
}

func (e *billingEnv) billing() *Billing { return e.srv.billing }

// member is a signed-in user with their id.
type member struct {
	*browser
	id    uint64
	name  string
	email string
}

func (e *billingEnv) user(prefix string) member {
	e.t.Helper()
	b, name, email := e.registerUser(prefix)
	var self struct {
		ID uint64 `json:"id"`
	}
	decode(e.t, b.do("GET", "/api/users/self", nil), 200, &self)
	return member{browser: b, id: self.ID, name: name, email: email}
}

// login signs m in again with a new browser (sessions end when the clock moves far).
func (e *billingEnv) login(m member) member {
	e.t.Helper()
	b := e.browser()
	b.do("GET", "/api/server/about", nil)
	expect(e.t, b.do("POST", "/api/auth/login", map[string]any{"username": m.name, "password": goodPassword}), 200)
	m.browser = b
	return m
}

func (e *billingEnv) admin() member {
	e.t.Helper()
	m := e.user("bladm")
	e.makeAdmin(m.name)
	e.srv.authCache.purge() // the role is read again on the next request
	return m
}

// org creates an organization owned by m with extra active members.
func (e *billingEnv) org(owner member, members ...member) uint64 {
	e.t.Helper()
	slug := fmt.Sprintf("b%d", userSeq.Add(1)%1_000_000)
	var o struct {
		ID uint64 `json:"id"`
	}
	decode(e.t, owner.do("POST", "/api/organizations", map[string]any{"slug": slug}), 201, &o)
	now := e.clock.Now()
	for _, m := range members {
		if err := e.db.Create(&models.Membership{UserID: m.id, OrganizationID: o.ID, Role: "worker", IsActive: true, JoinedAt: &now}).Error; err != nil {
			e.t.Fatal(err)
		}
	}
	return o.ID
}

var goodDetails = map[string]any{"phone": "+1 555 0100", "address": "1 Main St\nSpringfield"}

func decode(t *testing.T, r response, status int, into any) {
	t.Helper()
	expect(t, r, status)
	if into != nil {
		if err := json.Unmarshal(r.Body, into); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
}

type subResult struct {
	Subscription subscriptionBody `json:"subscription"`
	Invoice      *invoiceBody     `json:"invoice"`
	Payment      *PaymentInfo     `json:"payment"`
}

// subscribe saves billing details and subscribes; fails the test otherwise.
func (e *billingEnv) subscribe(m member, body map[string]any) subResult {
	e.t.Helper()
	q := ""
	if org, ok := body["organization_id"]; ok {
		q = fmt.Sprintf("?organization_id=%v", org)
	}
	expect(e.t, m.do("PUT", "/api/billing/details"+q, goodDetails), 200)
	body["agree_refund_policy"] = true
	var res subResult
	decode(e.t, m.do("POST", "/api/billing/subscriptions", body), 201, &res)
	return res
}

// pay records the payment of an invoice as an admin.
func (e *billingEnv) pay(admin member, invoiceID uint64) invoiceBody {
	e.t.Helper()
	var inv invoiceBody
	decode(e.t, admin.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/record-payment", invoiceID), map[string]any{"note": "bank ref 1"}), 200, &inv)
	return inv
}

func (e *billingEnv) planState(ws models.Workspace) models.PlanState {
	e.t.Helper()
	st, err := models.WorkspacePlanState(e.t.Context(), e.db.DB, e.srv.plans, ws, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
