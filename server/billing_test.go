package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func TestBillingPlansWithoutSignIn(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{})
	var body struct {
		Currency string     `json:"currency"`
		Min      int64      `json:"quote_min_annual_cents"`
		Plans    []planBody `json:"plans"`
	}
	decode(t, e.browser().do("GET", "/api/billing/plans", nil), 200, &body)
	if body.Currency != "usd" || body.Min != 39600 || len(body.Plans) != 3 {
		t.Fatalf("plans body %+v", body)
	}
	if f := body.Plans[0]; f.ID != "free" || f.Limits != models.DefaultFreeLimits {
		t.Fatalf("free plan %+v", f)
	}
	if s := body.Plans[1]; s.ID != "solo" || s.AnnualSavingPercent != 30 || s.MonthlyCents != 3300 {
		t.Fatalf("solo plan %+v", s)
	}
	// Everything else needs a sign-in.
	for _, p := range []string{"/api/billing/subscriptions", "/api/billing/invoices", "/api/billing/details", "/api/billing/payment-methods"} {
		expect(t, e.browser().do("GET", p, nil), 401)
	}
}

func TestBillingDetailsValidation(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{})
	u := e.user("bldet")
	var d detailsBody
	decode(t, u.do("GET", "/api/billing/details", nil), 200, &d)
	if d.Complete || d.UpdatedDate != nil {
		t.Fatalf("fresh details %+v", d)
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"address": "x"}, `"phone"`},
		{map[string]any{"phone": "call me", "address": "x"}, `"phone"`},
		{map[string]any{"phone": "+1 555"}, `"address"`},
		{map[string]any{"phone": "+1 555", "address": "x", "is_business": true}, `"business_name"`},
		{map[string]any{"phone": "+1 555", "address": "x", "vat_id": "DE1"}, `"vat_id"`},
		{map[string]any{"phone": "+1 555", "address": "x", "is_business": true, "business_name": "A", "vat_id": "<b>"}, `"vat_id"`},
		{map[string]any{"phone": "+1 555", "address": "x", "colour": "red"}, "colour"},
	} {
		expect(t, u.do("PUT", "/api/billing/details", tc.body), 400, tc.field)
	}
	decode(t, u.do("PUT", "/api/billing/details", map[string]any{"phone": "+1 555 0100", "address": "1 Main St",
		"is_business": true, "business_name": "Acme LLC", "vat_id": "de123456789"}), 200, &d)
	if !d.Complete || d.VATID != "DE123456789" || d.BusinessName != "Acme LLC" {
		t.Fatalf("saved details %+v", d)
	}
	// Another user cannot read or write them for an organization they do not own.
	owner := e.user("bldeto")
	org := e.org(owner, u)
	expect(t, u.do("GET", fmt.Sprintf("/api/billing/details?organization_id=%d", org), nil), 403, "Only the organization owner")
	expect(t, u.do("PUT", fmt.Sprintf("/api/billing/details?organization_id=%d", org), goodDetails), 403)
	expect(t, owner.do("PUT", fmt.Sprintf("/api/billing/details?organization_id=%d", org), goodDetails), 200)
	expect(t, owner.do("GET", "/api/billing/details?organization_id=99999", nil), 404)
}

func TestBillingSoloSubscription(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{})
	u := e.user("blsolo")
	adm := e.admin()
	other := e.user("blother")

	// Refusals before anything is created.
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "agree_refund_policy": true}), 400,
		`"billing_details"`, "before the first payment")
	expect(t, u.do("PUT", "/api/billing/details", goodDetails), 200)
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo"}), 400, `"agree_refund_policy"`)
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "free", "agree_refund_policy": true}), 400, `"plan"`)
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "period": "weekly", "agree_refund_policy": true}), 400, `"period"`)
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "payment_method": "card", "agree_refund_policy": true}), 400,
		"Card payments are not configured")
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "po_number": "PO-1", "agree_refund_policy": true}), 400, `"po_number"`)

	res := e.subscribe(u, map[string]any{"plan": "solo", "period": "monthly"})
	sub, inv := res.Subscription, res.Invoice
	if sub.Status != models.SubIncomplete || sub.Plan != "solo" || sub.Quantity != 1 || sub.Owner == nil || sub.Owner.ID != u.id {
		t.Fatalf("new subscription %+v", sub)
	}
	if inv == nil || inv.Status != models.InvoiceOpen || inv.TotalCents != 3300 || !strings.HasPrefix(inv.Number, "INV-2026-") {
		t.Fatalf("first invoice %+v", inv)
	}
	if res.Payment == nil || res.Payment.Provider != "manual" || !strings.Contains(res.Payment.Instructions, "three banking days") {
		t.Fatalf("payment %+v", res.Payment)
	}
	if inv.BillTo.Phone != "+1 555 0100" || inv.BillTo.Email != u.email {
		t.Fatalf("bill to %+v", inv.BillTo)
	}
	ws := models.Workspace{UserID: u.id}
	if st := e.planState(ws); st.Plan.ID != "free" {
		t.Fatalf("unpaid subscription lifted the plan: %+v", st)
	}
	// One subscription per workspace.
	expect(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "agree_refund_policy": true}), 409, "already has a subscription")

	// Changing details later leaves the issued invoice as it was.
	expect(t, u.do("PUT", "/api/billing/details", map[string]any{"phone": "+44 20 0000", "address": "New address"}), 200)
	var again invoiceBody
	decode(t, u.do("GET", fmt.Sprintf("/api/billing/invoices/%d", inv.ID), nil), 200, &again)
	if again.BillTo.Phone != "+1 555 0100" {
		t.Fatalf("issued invoice changed with the details: %+v", again.BillTo)
	}

	// Others see nothing of it; a non-admin cannot record payments.
	expect(t, other.do("GET", fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID), nil), 404)
	expect(t, other.do("GET", fmt.Sprintf("/api/billing/invoices/%d", inv.ID), nil), 404)
	expect(t, other.do("GET", fmt.Sprintf("/api/billing/invoices/%d/print", inv.ID), nil), 404)
	expect(t, other.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "other"}), 404)
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/record-payment", inv.ID), nil), 403, "Only an admin")
	var list PageBody[subscriptionBody]
	decode(t, other.do("GET", "/api/billing/subscriptions", nil), 200, &list)
	if list.Count != 0 {
		t.Fatalf("other user lists %d subscriptions", list.Count)
	}
	decode(t, u.do("GET", "/api/billing/subscriptions", nil), 200, &list)
	if list.Count != 1 || list.Results[0].ID != sub.ID {
		t.Fatalf("owner lists %+v", list)
	}
	// Admins see every subscription but do not manage them for the user.
	decode(t, adm.do("GET", "/api/billing/subscriptions?status=incomplete", nil), 200, &list)
	if list.Count < 1 {
		t.Fatal("admin does not see the subscription")
	}
	expect(t, adm.do("GET", fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID), nil), 200)
	expect(t, adm.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "other"}), 403)

	// Payment methods without Stripe: bank transfer only.
	var pm struct {
		Default string           `json:"default"`
		Methods []map[string]any `json:"methods"`
	}
	decode(t, u.do("GET", "/api/billing/payment-methods", nil), 200, &pm)
	if pm.Default != "bank_transfer" || len(pm.Methods) != 2 || pm.Methods[0]["available"] != true || pm.Methods[1]["available"] != false {
		t.Fatalf("payment methods %+v", pm)
	}
	// Paying an open invoice by bank transfer gives the instructions.
	var pay struct {
		Invoice invoiceBody `json:"invoice"`
		Payment PaymentInfo `json:"payment"`
	}
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", inv.ID), nil), 200, &pay)
	if pay.Payment.Status != "pending" || !strings.Contains(pay.Payment.Instructions, inv.Number) || pay.Invoice.Status != models.InvoiceOpen {
		t.Fatalf("pay by bank transfer %+v", pay)
	}
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", inv.ID), map[string]any{"payment_method": "card"}), 400, "not configured")
	expect(t, other.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", inv.ID), nil), 404)
	// The PO number of an open invoice may change; a paid one is immutable.
	expect(t, u.do("PATCH", fmt.Sprintf("/api/billing/invoices/%d", inv.ID), map[string]any{"po_number": "PO-7"}), 200, `"po_number":"PO-7"`)
	paid := e.pay(adm, inv.ID)
	if paid.Status != models.InvoicePaid || paid.PaidDate == nil || !strings.Contains(paid.PaymentNote, "bank ref 1") {
		t.Fatalf("paid invoice %+v", paid)
	}
	expect(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/record-payment", inv.ID), nil), 409)
	expect(t, u.do("PATCH", fmt.Sprintf("/api/billing/invoices/%d", inv.ID), map[string]any{"po_number": "PO-8"}), 409,
		"A paid invoice cannot be changed")
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", inv.ID), nil), 409)
	if st := e.planState(ws); st.Plan.ID != "solo" || st.Cancelled {
		t.Fatalf("paid solo: %+v", st)
	}
	var wp struct {
		Plan models.Plan `json:"plan"`
	}
	decode(t, u.do("GET", "/api/billing/workspace-plan", nil), 200, &wp)
	if wp.Plan.ID != "solo" {
		t.Fatalf("workspace-plan %+v", wp)
	}
	decode(t, u.do("GET", fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID), nil), 200, &sub)
	if sub.Status != models.SubActive {
		t.Fatalf("status after payment %s", sub.Status)
	}
	// Solo has no seats; monthly → annual is the only period switch.
	expect(t, u.do("PATCH", fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID), map[string]any{"quantity": 2}), 400, `"quantity"`)

	// Cancel needs a known reason; it keeps the plan until the period end.
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "meh"}), 400, `"reason"`)
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "too_expensive", "comment": "later"}), 200, &sub)
	if !sub.CancelAtPeriodEnd || sub.CancelReason != "too_expensive" || sub.CancelComment != "later" {
		t.Fatalf("cancelled %+v", sub)
	}
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "other"}), 409)
	if st := e.planState(ws); st.Plan.ID != "solo" {
		t.Fatalf("plan gone before the period end: %+v", st)
	}
	// Renew before the end undoes the cancellation without a new invoice.
	var rr subResult
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), nil), 200, &rr)
	if rr.Subscription.CancelAtPeriodEnd || rr.Invoice != nil {
		t.Fatalf("renew %+v", rr)
	}
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), nil), 409, "nothing to renew")

	// Change of plan = cancel + subscribe: once the current one is set to
	// end, a new subscription may start (with a custom catalog, another
	// personal plan); the old one then cannot be renewed over it.
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", sub.ID), map[string]any{"reason": "switching_plan"}), 200)
	var next subResult
	decode(t, u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "period": "annual", "agree_refund_policy": true}), 201, &next)
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), nil), 409, "another subscription")
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/cancel", next.Subscription.ID), map[string]any{"reason": "other"}), 200)
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/subscriptions/%d/renew", sub.ID), nil), 200, &rr)
	if rr.Subscription.CancelAtPeriodEnd {
		t.Fatalf("renew after the other ended %+v", rr.Subscription)
	}

	// Printable invoice: HTML, escaped, print CSS.
	expect(t, u.do("PUT", "/api/billing/details", map[string]any{"phone": "+1 555", "address": "<script>alert(1)</script>"}), 200)
	var q invoiceBody
	decode(t, u.do("POST", "/api/billing/quotes", map[string]any{"plan": "solo", "po_number": "PO-<b>"}), 400, nil)
	team := e.org(u)
	expect(t, u.do("PUT", fmt.Sprintf("/api/billing/details?organization_id=%d", team), map[string]any{"phone": "+1 555", "address": "<script>alert(1)</script>"}), 200)
	decode(t, u.do("POST", "/api/billing/quotes", map[string]any{"plan": "team", "quantity": 2, "organization_id": team, "po_number": "PO-<b>"}), 201, &q)
	if q.Kind != models.KindQuote || !strings.HasPrefix(q.Number, "Q-2026-") || q.TotalCents != 2*27720 || q.PONumber != "PO-<b>" {
		t.Fatalf("quote %+v", q)
	}
	pr := u.do("GET", q.PrintURL, nil)
	expect(t, pr, 200, "@media print", "&lt;script&gt;alert(1)&lt;/script&gt;", "PO-&lt;b&gt;", q.Number, "$554.40")
	if ct := pr.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || strings.Contains(string(pr.Body), "<script>alert") {
		t.Fatalf("print: %s\n%s", ct, pr.Body)
	}
	expect(t, u.do("GET", fmt.Sprintf("/api/billing/invoices/%d/print", inv.ID), nil), 200, "PO-7", "Paid")
	// A Solo quote below $396 a year is refused.
	decode(t, u.do("POST", "/api/billing/quotes", map[string]any{"plan": "solo"}), 400, nil)
}

func TestBillingTeamSeatsMoneyAndAdmin(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) { testBillingTeamSeatsMoneyAndAdmin(t, db) })
}

func testBillingTeamSeatsMoneyAndAdmin(t *testing.T, db *models.DB) {
	e := newBillingEnvDB(t, db, false, BillingSettings{})
	owner := e.user("blteam")
	m1, m2 := e.user("blm1"), e.user("blm2")
	adm := e.admin()
	org := e.org(owner, m1, m2) // 3 members with the owner
	if err := e.db.Model(&models.Membership{}).Where("user_id = ? AND organization_id = ?", m1.id, org).Update("role", "maintainer").Error; err != nil {
		t.Fatal(err)
	}
	// Only the owner subscribes for the organization, even a maintainer cannot.
	expect(t, m1.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "team", "organization_id": org, "agree_refund_policy": true}), 403,
		"Only the organization owner")
	expect(t, owner.do("PUT", fmt.Sprintf("/api/billing/details?organization_id=%d", org), goodDetails), 200)
	expect(t, owner.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "team", "organization_id": org, "quantity": 2, "agree_refund_policy": true}), 400,
		"At least 3 seats")
	expect(t, owner.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "team", "agree_refund_policy": true}), 400, `"organization_id"`)
	expect(t, owner.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "organization_id": org, "agree_refund_policy": true}), 400, `"organization_id"`)
	res := e.subscribe(owner, map[string]any{"plan": "team", "organization_id": org})
	sub := res.Subscription
	if sub.Quantity != 3 || res.Invoice.TotalCents != 3*3300 || sub.OrganizationID == nil || *sub.OrganizationID != org {
		t.Fatalf("team subscription %+v invoice %+v", sub, res.Invoice)
	}
	e.pay(adm, res.Invoice.ID)
	orgWS := models.Workspace{OrgID: org}
	if st := e.planState(orgWS); st.Plan.ID != "team" || st.Seats != 3 {
		t.Fatalf("team plan state %+v", st)
	}
	// Several subscriptions at once: the owner's own Solo as well.
	e.subscribe(owner, map[string]any{"plan": "solo"})

	path := fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID)
	expect(t, m1.do("PATCH", path, map[string]any{"quantity": 9}), 404)
	// Day 11 of a 30-day period (Nov 28 → Dec 28): two more seats for 20 days.
	e.clock.Advance(days(10))
	var ch subResult
	decode(t, owner.do("PATCH", path, map[string]any{"quantity": 5}), 200, &ch)
	if ch.Subscription.Quantity != 5 || ch.Invoice == nil || ch.Invoice.TotalCents != 2*3300*20/30 {
		t.Fatalf("seats added: %+v invoice %+v", ch.Subscription, ch.Invoice)
	}
	e.pay(adm, ch.Invoice.ID)
	// Day 21: one seat less, 10 days credited to the next invoice, no refund.
	e.clock.Advance(days(10))
	decode(t, owner.do("PATCH", path, map[string]any{"quantity": 4}), 200, &ch)
	if ch.Invoice != nil || ch.Subscription.CreditCents != 1100 {
		t.Fatalf("seat removed: %+v invoice %+v", ch.Subscription, ch.Invoice)
	}
	expect(t, owner.do("PATCH", path, map[string]any{"quantity": 2}), 400, "At least 3 seats")
	// Switch to annual on day 21: 10 of 30 days of 4 seats unused (4400) + 1100 credit.
	decode(t, owner.do("PATCH", path, map[string]any{"period": "annual"}), 200, &ch)
	inv := ch.Invoice
	if ch.Subscription.Period != "annual" || !ch.Subscription.CurrentPeriodStart.Equal(e.clock.Now()) || ch.Subscription.CreditCents != 0 {
		t.Fatalf("annual switch %+v", ch.Subscription)
	}
	if inv.SubtotalCents != 4*27720 || inv.CreditCents != 4400+1100 || inv.TotalCents != 4*27720-5500 {
		t.Fatalf("annual switch invoice %+v", inv)
	}
	expect(t, owner.do("PATCH", path, map[string]any{"period": "monthly"}), 400, "Only a switch from monthly to annual")
	// PO numbers are allowed now that the annual total is over $396.
	expect(t, owner.do("PATCH", path, map[string]any{"po_number": "PO-55"}), 200, `"po_number":"PO-55"`)
	e.pay(adm, inv.ID)

	// Admin: a 50% discount for 12 months applies to the next renewal.
	expect(t, owner.do("POST", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), map[string]any{"percent": 50, "months": 12}), 403)
	expect(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), map[string]any{"percent": 150, "months": 12}), 400, `"percent"`)
	var ds subscriptionBody
	decode(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), map[string]any{"percent": 50, "months": 13}), 200, &ds)
	if ds.Discount == nil || ds.Discount.Percent != 50 {
		t.Fatalf("discount %+v", ds)
	}
	// Taken back and granted again.
	decode(t, adm.do("DELETE", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), nil), 200, &ds)
	if ds.Discount != nil {
		t.Fatalf("discount after delete %+v", ds.Discount)
	}
	expect(t, owner.do("DELETE", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), nil), 403)
	decode(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/subscriptions/%d/discount", sub.ID), map[string]any{"percent": 50, "months": 13}), 200, &ds)
	e.clock.Set(ds.CurrentPeriodEnd)
	n, err := e.billing().RunRenew(t.Context(), e.clock.Now())
	if err != nil || n != 1 {
		t.Fatalf("renew: %d, %v", n, err)
	}
	// A year later: everyone signs in again.
	owner, m2, adm = e.login(owner), e.login(m2), e.login(adm)
	var invs PageBody[invoiceBody]
	decode(t, owner.do("GET", fmt.Sprintf("/api/billing/invoices?subscription_id=%d&kind=invoice", sub.ID), nil), 200, &invs)
	renewal := invs.Results[0]
	if renewal.DiscountCents != 4*27720/2 || renewal.TotalCents != 4*27720/2 || renewal.PONumber != "PO-55" {
		t.Fatalf("renewal invoice %+v", renewal)
	}
	// Rerun at the same time: nothing more.
	if n, err := e.billing().RunRenew(t.Context(), e.clock.Now()); err != nil || n != 0 {
		t.Fatalf("rerun renew: %d, %v", n, err)
	}

	// Refund: a credit note with its own number; the paid invoice stays as it was.
	expect(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/refund", renewal.ID), map[string]any{"amount_cents": 100}), 409, "Only a paid invoice")
	e.pay(adm, renewal.ID)
	expect(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/refund", renewal.ID), map[string]any{"amount_cents": renewal.TotalCents + 1}), 400, `"amount_cents"`)
	expect(t, owner.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/refund", renewal.ID), map[string]any{"amount_cents": 100}), 403)
	var cn invoiceBody
	decode(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/refund", renewal.ID), map[string]any{"amount_cents": 1000, "reason": "goodwill"}), 201, &cn)
	if cn.Kind != models.KindCreditNote || !strings.HasPrefix(cn.Number, "CN-2027-") || cn.RefersTo == nil || cn.RefersTo.Number != renewal.Number || cn.TotalCents != 1000 {
		t.Fatalf("credit note %+v", cn)
	}
	var after invoiceBody
	decode(t, owner.do("GET", fmt.Sprintf("/api/billing/invoices/%d", renewal.ID), nil), 200, &after)
	if after.TotalCents != renewal.TotalCents || after.RefundedCents != 1000 || after.Status != models.InvoicePaid {
		t.Fatalf("refunded invoice %+v", after)
	}
	// Members see the plan of their organization, not its billing.
	var wp struct {
		Seats int `json:"seats"`
	}
	decode(t, m2.do("GET", fmt.Sprintf("/api/billing/workspace-plan?organization_id=%d", org), nil), 200, &wp)
	if wp.Seats != 4 {
		t.Fatalf("seats seen by a member: %d", wp.Seats)
	}
	decode(t, m2.do("GET", "/api/billing/invoices", nil), 200, &invs)
	if invs.Count != 0 {
		t.Fatalf("member lists %d invoices", invs.Count)
	}
	expect(t, e.user("blout").do("GET", fmt.Sprintf("/api/billing/workspace-plan?organization_id=%d", org), nil), 404)
}

func TestBillingInvoiceNumbersHaveNoGaps(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{})
	users := make([]member, 6)
	for i := range users {
		users[i] = e.user("blnum")
		expect(t, users[i].do("PUT", "/api/billing/details", goodDetails), 200)
	}
	done := make(chan string, len(users))
	for _, u := range users {
		go func() {
			r := u.do("POST", "/api/billing/subscriptions", map[string]any{"plan": "solo", "agree_refund_policy": true})
			done <- string(r.Body)
		}()
	}
	for range users {
		<-done
	}
	var nums []string
	if err := e.db.Model(&models.Invoice{}).Where("kind = ?", models.KindInvoice).Order("number").Pluck("number", &nums).Error; err != nil {
		t.Fatal(err)
	}
	if len(nums) != len(users) {
		t.Fatalf("%d invoices: %v", len(nums), nums)
	}
	for i, n := range nums {
		if want := models.DocumentNumber(models.KindInvoice, 2026, int64(i+1)); n != want {
			t.Fatalf("numbers %v: #%d is %s, want %s", nums, i, n, want)
		}
	}
}
