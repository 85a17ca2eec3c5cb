package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server/mail"
)

// BillingSettings tune billing. Zero fields take the defaults.
type BillingSettings struct {
	// TaxRateBP is the tax rate in basis points (100 = 1%) put on every
	// invoice; 0 (the default) = no tax, the VAT id is still recorded.
	TaxRateBP int
	// PaymentTerms is how long an invoice may stay unpaid (default 14 days).
	PaymentTerms time.Duration
	// OverdueGrace is how long a subscription stays past_due, keeping its
	// plan, before it is cancelled for non-payment (default 14 days).
	OverdueGrace time.Duration
	// NoticePeriod is the time between the notice email (one month after a
	// subscription ended) and the deletion of the excess (default 14 days).
	NoticePeriod time.Duration
	// BankDetails are shown to customers paying by bank transfer.
	BankDetails string
	// Stripe enables card payments when SecretKey is set.
	Stripe StripeSettings
}

// StripeSettings configure the stripe provider.
type StripeSettings struct {
	SecretKey      string
	PublishableKey string
	WebhookSecret  string
	// APIBase overrides https://api.stripe.com (tests: stripe-mock).
	APIBase string
	// JSURL is where the payment page loads Stripe.js from (default
	// DefaultStripeJSURL); its origin joins the Content-Security-Policy.
	JSURL string
}

// DefaultStripeJSURL is Stripe.js v3 as Stripe serves it.
const DefaultStripeJSURL = "https://js.stripe.com/v3/"

// Defaults of BillingSettings.
const (
	DefaultPaymentTerms = 14 * 24 * time.Hour
	DefaultOverdueGrace = 14 * 24 * time.Hour
	DefaultNoticePeriod = 14 * 24 * time.Hour
	// cancellationGraceMonths: data stays (Free limits, read-only when over
	// them) this many months after a subscription ends, then the notice goes.
	cancellationGraceMonths = 1
	quoteValidity           = 30 * 24 * time.Hour
)

func (b BillingSettings) withDefaults() BillingSettings {
	if b.PaymentTerms <= 0 {
		b.PaymentTerms = DefaultPaymentTerms
	}
	if b.OverdueGrace <= 0 {
		b.OverdueGrace = DefaultOverdueGrace
	}
	if b.NoticePeriod <= 0 {
		b.NoticePeriod = DefaultNoticePeriod
	}
	if b.BankDetails == "" {
		b.BankDetails = "Ask your administrator for the bank account details."
	}
	if b.Stripe.JSURL == "" {
		b.Stripe.JSURL = DefaultStripeJSURL
	}
	return b
}

// Billing runs subscriptions, invoices and the billing jobs. The HTTP
// handlers and the scheduled jobs share one.
type Billing struct {
	db       *models.DB
	clock    clock.Clock
	log      *slog.Logger
	mailer   *mail.Mailer
	plans    *models.Catalog
	settings BillingSettings
	baseURL  string
	manual   PaymentProvider
	stripe   PaymentProvider // nil when not configured
}

// BillingDeps are what NewBilling needs.
type BillingDeps struct {
	DB       *models.DB
	Clock    clock.Clock
	Logger   *slog.Logger
	Mailer   *mail.Mailer
	Plans    *models.Catalog
	Settings BillingSettings
	BaseURL  string
}

// NewBilling builds the billing service.
func NewBilling(d BillingDeps) *Billing {
	if d.Plans == nil {
		d.Plans = models.DefaultCatalog()
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Mailer == nil {
		d.Mailer = mail.New(d.DB, mail.Config{}, d.Clock, d.Logger)
	}
	b := &Billing{db: d.DB, clock: d.Clock, log: d.Logger, mailer: d.Mailer, plans: d.Plans,
		settings: d.Settings.withDefaults(), baseURL: strings.TrimRight(d.BaseURL, "/")}
	b.manual = manualProvider{bank: b.settings.BankDetails}
	if d.Settings.Stripe.SecretKey != "" {
		b.stripe = newStripeProvider(b.settings.Stripe)
	}
	return b
}

// provider returns the provider behind a payment method.
func (b *Billing) provider(method string) PaymentProvider {
	if method == models.PayCard && b.stripe != nil {
		return b.stripe
	}
	return b.manual
}

// billingErr is a refusal of the billing rules, mapped to an HTTP status by the handlers.
type billingErr struct {
	status int
	field  string
	msg    string
}

func (e *billingErr) Error() string { return e.msg }

func conflict(format string, args ...any) error {
	return &billingErr{status: 409, msg: fmt.Sprintf(format, args...)}
}

func fieldErr(field, format string, args ...any) error {
	return &billingErr{status: 400, field: field, msg: fmt.Sprintf(format, args...)}
}

// seatsInUse counts an organization's active members and pending invitations.
func seatsInUse(tx *gorm.DB, orgID uint64, now time.Time) (members, invitations int64, err error) {
	if err = tx.Model(&models.Membership{}).Where("organization_id = ? AND is_active = ?", orgID, true).Count(&members).Error; err != nil {
		return 0, 0, fmt.Errorf("count members: %w", err)
	}
	if err = tx.Model(&models.Invitation{}).Where("organization_id = ? AND accepted_at IS NULL AND removed_at IS NULL AND expires_at > ?", orgID, now).
		Count(&invitations).Error; err != nil {
		return 0, 0, fmt.Errorf("count invitations: %w", err)
	}
	return members, invitations, nil
}

// workspaceManager returns who manages billing of ws: the user, or the org owner.
func workspaceManager(tx *gorm.DB, ws models.Workspace) (*models.User, *models.Organization, error) {
	var org *models.Organization
	uid := ws.UserID
	if ws.OrgID != 0 {
		var o models.Organization
		if err := tx.First(&o, ws.OrgID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, nil, models.ErrNotFound
			}
			return nil, nil, err
		}
		org = &o
		if o.OwnerID == nil {
			return nil, org, nil
		}
		uid = *o.OwnerID
	}
	var u models.User
	if err := tx.First(&u, uid).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, org, nil
		}
		return nil, nil, err
	}
	return &u, org, nil
}

// billTo copies the manager's and the workspace's billing details.
func billTo(tx *gorm.DB, ws models.Workspace) (models.BillTo, error) {
	u, org, err := workspaceManager(tx, ws)
	if err != nil {
		return models.BillTo{}, err
	}
	var bt models.BillTo
	if u != nil {
		bt.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
		if bt.Name == "" {
			bt.Name = u.Username
		}
		bt.Email = u.Email
		bt.Workspace = u.Username
	}
	if org != nil {
		bt.Workspace = org.Slug
		if org.Name != "" {
			bt.Workspace = org.Name
		}
	}
	d, err := models.BillingDetailsOf(tx, ws)
	if err != nil {
		return bt, err
	}
	if d != nil {
		bt.Phone, bt.Address, bt.IsBusiness, bt.BusinessName, bt.VATID = d.Phone, d.Address, d.IsBusiness, d.BusinessName, d.VATID
	}
	return bt, nil
}

func periodLabel(p string) string {
	if p == models.PeriodAnnual {
		return "annual"
	}
	return "monthly"
}

func planLine(plan models.Plan, period string, qty int, unit int64, start, end time.Time) models.InvoiceLine {
	desc := fmt.Sprintf("%s plan, %s", plan.Name, periodLabel(period))
	if plan.PerSeat {
		desc = fmt.Sprintf("%s plan, %d seat(s), %s", plan.Name, qty, periodLabel(period))
	}
	s, e := start, end
	return models.InvoiceLine{Description: desc, Quantity: qty, UnitCents: unit, AmountCents: unit * int64(qty), PeriodStart: &s, PeriodEnd: &e}
}

// discountFor is the discount percent that applies to a period starting at start.
func discountFor(sub *models.Subscription, start time.Time) int {
	if sub.DiscountPercent <= 0 || sub.DiscountUntil == nil || !start.Before(*sub.DiscountUntil) {
		return 0
	}
	return sub.DiscountPercent
}

// issueInvoiceTx prices lines for sub, applies its discount (for the period
// starting at discountAt) and credit, numbers and inserts the invoice, and
// queues the email to the manager.
func (b *Billing) issueInvoiceTx(tx *gorm.DB, sub *models.Subscription, lines []models.InvoiceLine, discountAt time.Time, useCredit bool, now time.Time) (*models.Invoice, error) {
	ws := sub.Workspace()
	bt, err := billTo(tx, ws)
	if err != nil {
		return nil, err
	}
	credit := int64(0)
	if useCredit {
		credit = sub.CreditCents
	}
	tot := models.ComputeTotals(lines, discountFor(sub, discountAt), b.settings.TaxRateBP, credit)
	inv := &models.Invoice{Kind: models.KindInvoice, SubscriptionID: &sub.ID, UserID: sub.UserID, OrganizationID: sub.OrganizationID,
		Status: models.InvoiceOpen, Currency: sub.Currency, PONumber: sub.PONumber, PaymentMethod: sub.PaymentMethod, IssuedAt: now}
	inv.SetContent(bt, lines, tot, b.settings.TaxRateBP)
	if len(lines) > 0 {
		inv.PeriodStart, inv.PeriodEnd = lines[0].PeriodStart, lines[0].PeriodEnd
	}
	due := now.Add(b.settings.PaymentTerms)
	inv.DueAt = &due
	if tot.Total == 0 {
		inv.Status = models.InvoicePaid
		inv.PaidAt = &now
		inv.PaymentNote = "nothing to pay"
	}
	if err := models.CreateInvoiceTx(tx, inv, now); err != nil {
		return nil, err
	}
	if useCredit && tot.Credit != 0 {
		sub.CreditCents = tot.CreditLeft
		if err := tx.Model(sub).Update("credit_cents", sub.CreditCents).Error; err != nil {
			return nil, err
		}
	}
	if err := b.mailInvoiceTx(tx, inv, bt); err != nil {
		return nil, err
	}
	return inv, nil
}

func money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	sym := strings.ToUpper(currency) + " "
	if currency == "usd" {
		sym = "$"
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, sym, cents/100, cents%100)
}

func (b *Billing) mailInvoiceTx(tx *gorm.DB, inv *models.Invoice, bt models.BillTo) error {
	if bt.Email == "" {
		return nil
	}
	due := ""
	if inv.DueAt != nil {
		due = inv.DueAt.Format("2006-01-02")
	}
	msg, err := mail.Render("billing_invoice", map[string]any{
		"Name": bt.Name, "Number": inv.Number, "Kind": inv.Kind, "Status": inv.Status,
		"Total": money(inv.TotalCents, inv.Currency), "Due": due,
		"Link": fmt.Sprintf("%s/api/billing/invoices/%d/print", b.baseURL, inv.ID),
	})
	if err != nil {
		return err
	}
	msg.To = bt.Email
	return b.mailer.EnqueueTx(tx, msg)
}

// lockSub reloads a subscription inside tx with a row lock (PostgreSQL).
func lockSub(tx *gorm.DB, id uint64) (*models.Subscription, error) {
	return lockRow[models.Subscription](tx, id)
}

// lockRow loads the row id of T for the rest of the transaction: FOR UPDATE
// on PostgreSQL (SQLite's BEGIN IMMEDIATE already holds the write lock).
func lockRow[T any](tx *gorm.DB, id uint64) (*T, error) {
	var row T
	q := tx
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(lockingUpdate)
	}
	if err := q.First(&row, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, models.ErrNotFound
		}
		return nil, err
	}
	return &row, nil
}

func (b *Billing) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return b.db.WithContext(ctx).Transaction(fn)
}

var lockingUpdate = clause.Locking{Strength: "UPDATE"}
