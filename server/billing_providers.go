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
}

// PaymentProvider is where money moves. "manual" needs no outside service
// (bank transfer, an admin records the payment); "stripe" takes cards on our
// own payment page with Stripe.js and confirms through the webhook.
type PaymentProvider interface {
	Name() string
	// StartPayment prepares the payment of an open invoice and returns what
	// the client needs; ref (when not "") is stored on the invoice.
	StartPayment(ctx context.Context, inv *models.Invoice, email string) (info PaymentInfo, ref string, err error)
	// Refund gives amount back for a paid invoice; ref identifies the refund.
	Refund(ctx context.Context, inv *models.Invoice, amount int64) (ref string, err error)
}

type manualProvider struct{ bank string }

func (manualProvider) Name() string { return "manual" }

func (m manualProvider) StartPayment(_ context.Context, inv *models.Invoice, _ string) (PaymentInfo, string, error) {
	return PaymentInfo{Provider: "manual", Method: models.PayBankTransfer, Status: "pending",
		Instructions: fmt.Sprintf("Transfer %s quoting %s. %s The invoice stays pending until the payment arrives, which may take up to three banking days.",
			money(inv.TotalCents, inv.Currency), inv.Number, m.bank)}, "", nil
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

func (p *stripeProvider) StartPayment(ctx context.Context, inv *models.Invoice, email string) (PaymentInfo, string, error) {
	params := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(inv.TotalCents),
		Currency:           stripe.String(inv.Currency),
		Description:        stripe.String("Invoice " + inv.Number),
		PaymentMethodTypes: []*string{stripe.String("card")},
	}
	if email != "" {
		params.ReceiptEmail = stripe.String(email)
	}
	params.AddMetadata("invoice_id", strconv.FormatUint(inv.ID, 10))
	params.AddMetadata("invoice_number", inv.Number)
	params.SetIdempotencyKey("gatehouse-invoice-" + inv.Number + "-" + strconv.FormatInt(inv.TotalCents, 10))
	pi, err := p.sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return PaymentInfo{}, "", fmt.Errorf("stripe: create payment intent for %s: %w", inv.Number, err)
	}
	return PaymentInfo{Provider: "stripe", Method: models.PayCard, Status: string(pi.Status),
		ClientSecret: pi.ClientSecret, PublishableKey: p.cfg.PublishableKey}, pi.ID, nil
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
