package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/gatehouse/gatehouse/models"
)

// PaymentInfo tells the client how to pay an open invoice.
type PaymentInfo struct {
	Provider       string `json:"provider"`
	Method         string `json:"method"`
	Status         string `json:"status"` // pending | requires_payment_method | succeeded
	Instructions   string `json:"instructions,omitempty"`
	ClientSecret   string `json:"client_secret,omitempty"`
	PublishableKey string `json:"publishable_key,omitempty"`
	// JSURL is where the payment page loads Stripe.js from.
	JSURL string `json:"js_url,omitempty"`
}

// PaymentRequest is an open invoice to pay and what the provider already
// knows about its payer.
type PaymentRequest struct {
	Invoice  *models.Invoice
	Email    string
	Customer string // the provider's customer id for the subscription ("" = none yet)
}

// PaymentStart is what starting a payment produced: the client's part, the
// reference stored on the invoice and the customer stored on the
// subscription (each "" when the provider has none).
type PaymentStart struct {
	Info     PaymentInfo
	Ref      string
	Customer string
}

// SavedCharge is the outcome of charging a saved payment method.
type SavedCharge struct {
	Ref       string // stored on the invoice
	Succeeded bool   // paid now; otherwise the webhook or the owner settles it
	Status    string
}

// PaymentProvider is where money moves. "manual" needs no outside service
// (bank transfer, an admin records the payment); "stripe" takes cards on our
// own payment page with Stripe.js and confirms through the webhook.
type PaymentProvider interface {
	Name() string
	// StartPayment prepares the payment of an open invoice by the payer at
	// the keyboard.
	StartPayment(ctx context.Context, r PaymentRequest) (PaymentStart, error)
	// ChargeSaved charges an open invoice to the payment method saved for
	// customer, without the payer (renewals).
	ChargeSaved(ctx context.Context, inv *models.Invoice, customer, paymentMethod string) (SavedCharge, error)
	// Refund gives amount back for a paid invoice; ref identifies the refund.
	Refund(ctx context.Context, inv *models.Invoice, amount int64) (ref string, err error)
}

type manualProvider struct{ bank string }

func (manualProvider) Name() string { return "manual" }

func (m manualProvider) StartPayment(_ context.Context, r PaymentRequest) (PaymentStart, error) {
	inv := r.Invoice
	return PaymentStart{Info: PaymentInfo{Provider: "manual", Method: models.PayBankTransfer, Status: "pending",
		Instructions: fmt.Sprintf("Transfer %s quoting %s. %s The invoice stays pending until the payment arrives, which may take up to three banking days.",
			money(inv.TotalCents, inv.Currency), inv.Number, m.bank)}}, nil
}

// ChargeSaved: a bank transfer cannot be pulled; the invoice waits for it.
func (manualProvider) ChargeSaved(context.Context, *models.Invoice, string, string) (SavedCharge, error) {
	return SavedCharge{Status: "pending"}, nil
}

// Refund of a bank transfer happens outside Gatehouse; the credit note records it.
func (manualProvider) Refund(context.Context, *models.Invoice, int64) (string, error) { return "", nil }

type stripeProvider struct {
	sc  *stripe.Client
	cfg StripeSettings
}

func newStripeProvider(cfg StripeSettings) *stripeProvider {
	bc := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 30 * time.Second}, MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	sc := stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))
	return &stripeProvider{sc: sc, cfg: cfg}
}

func (*stripeProvider) Name() string { return "stripe" }

// StartPayment creates the customer on the first card payment, then a
// payment intent for the invoice that also saves the card for renewals
// (setup_future_usage=off_session). The payment page confirms it with
// Stripe.js; the webhook marks the invoice paid.
func (p *stripeProvider) StartPayment(ctx context.Context, r PaymentRequest) (PaymentStart, error) {
	inv := r.Invoice
	customer := r.Customer
	if customer == "" {
		cp := &stripe.CustomerCreateParams{Description: stripe.String("Gatehouse " + inv.BillToInfo().Name)}
		if r.Email != "" {
			cp.Email = stripe.String(r.Email)
		}
		if inv.SubscriptionID != nil {
			cp.AddMetadata("subscription_id", strconv.FormatUint(*inv.SubscriptionID, 10))
			cp.SetIdempotencyKey("gatehouse-customer-" + strconv.FormatUint(*inv.SubscriptionID, 10))
		}
		c, err := p.sc.V1Customers.Create(ctx, cp)
		if err != nil {
			return PaymentStart{}, fmt.Errorf("stripe: create customer for %s: %w", inv.Number, err)
		}
		customer = c.ID
	}
	params := invoiceIntent(inv, customer, "gatehouse-invoice-")
	params.SetupFutureUsage = stripe.String(string(stripe.PaymentIntentSetupFutureUsageOffSession))
	params.PaymentMethodTypes = []*string{stripe.String("card")}
	if r.Email != "" {
		params.ReceiptEmail = stripe.String(r.Email)
	}
	pi, err := p.sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return PaymentStart{}, fmt.Errorf("stripe: create payment intent for %s: %w", inv.Number, err)
	}
	return PaymentStart{Info: PaymentInfo{Provider: "stripe", Method: models.PayCard, Status: string(pi.Status),
		ClientSecret: pi.ClientSecret, PublishableKey: p.cfg.PublishableKey, JSURL: p.cfg.JSURL},
		Ref: pi.ID, Customer: customer}, nil
}

// ChargeSaved confirms an off-session payment intent on the saved card. A
// card that needs its holder (3-D Secure) or is declined leaves the invoice
// open: the owner pays it on the payment page.
func (p *stripeProvider) ChargeSaved(ctx context.Context, inv *models.Invoice, customer, paymentMethod string) (SavedCharge, error) {
	params := invoiceIntent(inv, customer, "gatehouse-renewal-")
	params.PaymentMethod = stripe.String(paymentMethod)
	params.OffSession = stripe.Bool(true)
	params.Confirm = stripe.Bool(true)
	pi, err := p.sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return SavedCharge{}, fmt.Errorf("stripe: charge the saved card for %s: %w", inv.Number, err)
	}
	return SavedCharge{Ref: pi.ID, Succeeded: pi.Status == stripe.PaymentIntentStatusSucceeded, Status: string(pi.Status)}, nil
}

// invoiceIntent is a payment intent for the invoice's total by customer,
// tagged with the invoice (the webhook finds it by invoice_id) and made
// idempotent per invoice, total and purpose (keyPrefix).
func invoiceIntent(inv *models.Invoice, customer, keyPrefix string) *stripe.PaymentIntentCreateParams {
	params := &stripe.PaymentIntentCreateParams{
		Amount:      stripe.Int64(inv.TotalCents),
		Currency:    stripe.String(inv.Currency),
		Customer:    stripe.String(customer),
		Description: stripe.String("Invoice " + inv.Number),
	}
	params.AddMetadata("invoice_id", strconv.FormatUint(inv.ID, 10))
	params.AddMetadata("invoice_number", inv.Number)
	params.SetIdempotencyKey(keyPrefix + inv.Number + "-" + strconv.FormatInt(inv.TotalCents, 10))
	return params
}

func (p *stripeProvider) Refund(ctx context.Context, inv *models.Invoice, amount int64) (string, error) {
	if inv.ProviderRef == "" {
		return "", nil // paid outside Stripe (recorded by an admin)
	}
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(inv.ProviderRef), Amount: stripe.Int64(amount)}
	r, err := p.sc.V1Refunds.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: refund %s: %w", inv.Number, err)
	}
	return r.ID, nil
}
