package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/gatehouse/gatehouse/models"
)

const testWebhookSecret = "whsec_gatehouse_test"

// postWebhook sends a Stripe event to the webhook, signed with secret ("" = unsigned).
func postWebhook(t *testing.T, e *billingEnv, payload []byte, secret string) response {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+"/api/billing/webhooks/stripe", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()})
		req.Header.Set("Stripe-Signature", sp.Header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}

func paymentEvent(t *testing.T, eventID, piID string, invoiceID uint64, amount int64) []byte {
	t.Helper()
	return intentEvent(t, eventID, map[string]any{"id": piID, "amount": amount, "metadata": map[string]string{"invoice_id": fmt.Sprint(invoiceID)}})
}

// intentEvent is a payment_intent.succeeded event for the intent fields
// given (object, currency and status filled in).
func intentEvent(t *testing.T, eventID string, intent map[string]any) []byte {
	t.Helper()
	intent["object"], intent["currency"], intent["status"] = "payment_intent", "usd", "succeeded"
	raw, err := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "api_version": stripe.APIVersion, "type": "payment_intent.succeeded",
		"data": map[string]any{"object": intent},
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestBillingStripeWebhookSignature: only events signed with the endpoint
// secret count; each event id is processed once; a payment marks the
// invoice paid and activates the subscription.
func TestBillingStripeWebhookSignature(t *testing.T) {
	e := newBillingEnv(t, false, BillingSettings{Stripe: StripeSettings{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret,
		APIBase: "http://127.0.0.1:1"}})
	u := e.user("blwh")
	res := e.subscribe(u, map[string]any{"plan": "solo"}) // bank transfer: no call to Stripe
	inv := res.Invoice
	event := paymentEvent(t, "evt_test_1", "pi_test_1", inv.ID, inv.TotalCents)

	expect(t, postWebhook(t, e, event, ""), 400, "Invalid Stripe signature")
	expect(t, postWebhook(t, e, event, "whsec_wrong"), 400, "Invalid Stripe signature")
	tampered := bytes.Replace(event, []byte(`"amount":3300`), []byte(`"amount":9999`), 1)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: event, Secret: testWebhookSecret, Timestamp: time.Now()})
	req, _ := http.NewRequest("POST", e.URL+"/api/billing/webhooks/stripe", bytes.NewReader(tampered))
	req.Header.Set("Stripe-Signature", sp.Header)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 400 {
		t.Fatalf("tampered body: %v %v", r, err)
	}
	// An old signature (replayed after the tolerance) is refused too.
	old := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: event, Secret: testWebhookSecret, Timestamp: time.Now().Add(-time.Hour)})
	req, _ = http.NewRequest("POST", e.URL+"/api/billing/webhooks/stripe", bytes.NewReader(event))
	req.Header.Set("Stripe-Signature", old.Header)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 400 {
		t.Fatalf("stale signature: %v %v", r, err)
	}
	if got, _ := e.db.InvoiceByID(context.Background(), inv.ID); got.Status != models.InvoiceOpen {
		t.Fatalf("refused events changed the invoice: %s", got.Status)
	}

	expect(t, postWebhook(t, e, event, testWebhookSecret), 200, `"received":true`)
	got, _ := e.db.InvoiceByID(context.Background(), inv.ID)
	if got.Status != models.InvoicePaid || got.ProviderRef != "pi_test_1" {
		t.Fatalf("invoice after the payment event %+v", got)
	}
	if st := e.planState(models.Workspace{UserID: u.id}); st.Plan.ID != "solo" {
		t.Fatalf("plan after the payment event %+v", st)
	}
	expect(t, postWebhook(t, e, event, testWebhookSecret), 200, `"duplicate":true`)
	// A payment smaller than the invoice does not pay it.
	res2 := e.subscribe(e.user("blwh2"), map[string]any{"plan": "solo"})
	expect(t, postWebhook(t, e, paymentEvent(t, "evt_test_2", "pi_test_2", res2.Invoice.ID, 100), testWebhookSecret), 200)
	if got, _ := e.db.InvoiceByID(context.Background(), res2.Invoice.ID); got.Status != models.InvoiceOpen {
		t.Fatalf("partial payment paid the invoice: %s", got.Status)
	}
	// Without Stripe configured the endpoint does not exist.
	plain := newBillingEnv(t, false, BillingSettings{})
	expect(t, postWebhook(t, plain, event, testWebhookSecret), 404)
}

// stripeMockEnv is a billing server whose Stripe is the stripe-mock at
// GATEHOUSE_TEST_STRIPE_MOCK (.ci/run starts one).
func stripeMockEnv(t *testing.T) *billingEnv {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_STRIPE_MOCK")
	if base == "" {
		t.Skip("GATEHOUSE_TEST_STRIPE_MOCK is not set (stripe-mock URL)")
	}
	return newBillingEnv(t, false, BillingSettings{Stripe: StripeSettings{SecretKey: "sk_test_123", PublishableKey: "pk_test_123",
		WebhookSecret: testWebhookSecret, APIBase: base}})
}

// TestBillingStripeMock runs the card flow against stripe-mock
// (GATEHOUSE_TEST_STRIPE_MOCK=http://127.0.0.1:12111): a payment intent for
// the first invoice, the webhook confirming it, a refund through Stripe.
func TestBillingStripeMock(t *testing.T) {
	e := stripeMockEnv(t)
	u, adm := e.user("blcard"), e.admin()
	var pm struct {
		Methods []map[string]any `json:"methods"`
	}
	decode(t, u.do("GET", "/api/billing/payment-methods", nil), 200, &pm)
	if len(pm.Methods) != 2 || pm.Methods[1]["available"] != true || pm.Methods[1]["publishable_key"] != "pk_test_123" {
		t.Fatalf("payment methods %+v", pm)
	}
	res := e.subscribe(u, map[string]any{"plan": "solo", "payment_method": "card"})
	if res.Payment == nil || res.Payment.Provider != "stripe" || !strings.Contains(res.Payment.ClientSecret, "_secret_") ||
		res.Payment.PublishableKey != "pk_test_123" {
		t.Fatalf("card payment %+v", res.Payment)
	}
	inv, _ := e.db.InvoiceByID(context.Background(), res.Invoice.ID)
	if !strings.HasPrefix(inv.ProviderRef, "pi_") || inv.PaymentMethod != models.PayCard {
		t.Fatalf("invoice after the payment intent %+v", inv)
	}
	// Pay again (a new attempt) works the same way.
	var again struct {
		Payment PaymentInfo `json:"payment"`
	}
	decode(t, u.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", inv.ID), map[string]any{"payment_method": "card"}), 200, &again)
	if again.Payment.ClientSecret == "" {
		t.Fatalf("pay again %+v", again)
	}
	inv, _ = e.db.InvoiceByID(context.Background(), res.Invoice.ID)
	expect(t, postWebhook(t, e, paymentEvent(t, "evt_mock_1", inv.ProviderRef, inv.ID, inv.TotalCents), testWebhookSecret), 200)
	if got, _ := e.db.InvoiceByID(context.Background(), inv.ID); got.Status != models.InvoicePaid {
		t.Fatalf("card invoice after the webhook: %s", got.Status)
	}
	var cn invoiceBody
	decode(t, adm.do("POST", fmt.Sprintf("/api/billing/admin/invoices/%d/refund", inv.ID), map[string]any{"amount_cents": 500}), 201, &cn)
	stored, _ := e.db.InvoiceByID(context.Background(), cn.ID)
	if !strings.HasPrefix(stored.ProviderRef, "re_") || cn.TotalCents != 500 {
		t.Fatalf("refund through Stripe %+v", stored)
	}
}

// savedCardEvent is payment_intent.succeeded for an intent that saved its
// card for later (setup_future_usage=off_session).
func savedCardEvent(t *testing.T, eventID, piID string, invoiceID uint64, amount int64, customer, card string) []byte {
	t.Helper()
	return intentEvent(t, eventID, map[string]any{"id": piID, "amount": amount, "customer": customer, "payment_method": card,
		"setup_future_usage": "off_session", "metadata": map[string]string{"invoice_id": fmt.Sprint(invoiceID)}})
}

// TestBillingStripeSavedCard runs against stripe-mock: the first card
// payment creates the customer and asks Stripe to keep the card; the
// webhook saves it; the renewal job charges the renewal invoice to it
// without the owner, once, and the webhook of that charge pays it.
func TestBillingStripeSavedCard(t *testing.T) {
	e := stripeMockEnv(t)
	ctx := context.Background()
	u := e.user("blsaved")
	res := e.subscribe(u, map[string]any{"plan": "solo", "payment_method": "card"})
	if res.Payment == nil || res.Payment.JSURL != DefaultStripeJSURL {
		t.Fatalf("card payment without the Stripe.js URL: %+v", res.Payment)
	}
	var sub models.Subscription
	if err := e.db.Take(&sub, res.Subscription.ID).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sub.ProviderCustomer, "cus_") || sub.ProviderPaymentMethod != "" {
		t.Fatalf("subscription after the first payment intent: customer %q card %q", sub.ProviderCustomer, sub.ProviderPaymentMethod)
	}
	// Paying again reuses the customer.
	customer := sub.ProviderCustomer
	expect(t, u.do("POST", fmt.Sprintf("/api/billing/invoices/%d/pay", res.Invoice.ID), map[string]any{"payment_method": "card"}), 200)
	inv, _ := e.db.InvoiceByID(ctx, res.Invoice.ID)
	expect(t, postWebhook(t, e, savedCardEvent(t, "evt_saved_1", inv.ProviderRef, inv.ID, inv.TotalCents, customer, "pm_card_visa"), testWebhookSecret), 200)
	if err := e.db.Take(&sub, sub.ID).Error; err != nil {
		t.Fatal(err)
	}
	if sub.ProviderCustomer != customer || sub.ProviderPaymentMethod != "pm_card_visa" || sub.Status != models.SubActive {
		t.Fatalf("subscription after the paid first invoice: %+v", sub)
	}
	var body subscriptionBody
	decode(t, u.do("GET", fmt.Sprintf("/api/billing/subscriptions/%d", sub.ID), nil), 200, &body)
	if !body.CardOnFile {
		t.Fatal("card_on_file is false after a card payment that saved the card")
	}

	e.clock.Set(sub.CurrentPeriodEnd)
	if n, err := e.billing().RunRenew(ctx, e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("renew: %d, %v", n, err)
	}
	var renewal models.Invoice
	if err := e.db.Where("subscription_id = ? AND id <> ?", sub.ID, inv.ID).Take(&renewal).Error; err != nil {
		t.Fatal(err)
	}
	// stripe-mock answers every intent as requires_payment_method: the
	// charge was made (its intent is on the invoice) and waits for Stripe.
	if renewal.Status != models.InvoiceOpen || !strings.HasPrefix(renewal.ProviderRef, "pi_") || renewal.PaymentMethod != models.PayCard {
		t.Fatalf("renewal invoice after the saved-card charge: %+v", renewal)
	}
	charged := renewal.ProviderRef
	if _, err := e.billing().RunRenew(ctx, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.db.InvoiceByID(ctx, renewal.ID); again.ProviderRef != charged {
		t.Fatalf("a rerun charged again: %q then %q", charged, again.ProviderRef)
	}
	expect(t, postWebhook(t, e, savedCardEvent(t, "evt_saved_2", charged, renewal.ID, renewal.TotalCents, customer, "pm_card_visa"), testWebhookSecret), 200)
	if got, _ := e.db.InvoiceByID(ctx, renewal.ID); got.Status != models.InvoicePaid {
		t.Fatalf("renewal invoice after Stripe confirmed the charge: %s", got.Status)
	}
}

// TestPaymentCSP: the page may load Stripe.js (and its frames and API)
// only when card payments are configured, and only from the configured
// origin.
func TestPaymentCSP(t *testing.T) {
	cases := []struct {
		name, jsURL  string
		want, absent []string
		bad          bool
	}{
		{name: "stripe", jsURL: DefaultStripeJSURL,
			want: []string{"script-src 'self' https://js.stripe.com;", "frame-src https://js.stripe.com https://hooks.stripe.com;",
				"connect-src 'self' https://js.stripe.com https://api.stripe.com;", "frame-ancestors 'none'", "object-src 'none'"}},
		{name: "mirror", jsURL: "http://127.0.0.1:9999/v3/",
			want:   []string{"script-src 'self' http://127.0.0.1:9999;", "frame-src http://127.0.0.1:9999;"},
			absent: []string{"stripe.com"}},
		{name: "relative", jsURL: "/v3/", bad: true},
		{name: "javascript", jsURL: "javascript:alert(1)", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := paymentCSP(tc.jsURL)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted %q: %s", tc.jsURL, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("CSP %q lacks %q", got, w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(got, a) {
					t.Errorf("CSP %q has %q", got, a)
				}
			}
		})
	}
	// Served: the default policy without Stripe, the widened one with it.
	plain := newBillingEnv(t, false, BillingSettings{})
	withCard := newBillingEnv(t, false, BillingSettings{Stripe: StripeSettings{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret, APIBase: "http://127.0.0.1:1"}})
	for _, c := range []struct {
		env  *billingEnv
		want string
	}{{plain, contentSecurityPolicy}, {withCard, "script-src 'self' https://js.stripe.com;"}} {
		res, err := http.Get(c.env.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, c.want) {
			t.Errorf("served CSP %q, want it to contain %q", got, c.want)
		}
	}
}
