package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Invoice statuses.
const (
	InvoiceOpen   = "open"   // issued, waiting for payment (bank transfer: pending)
	InvoicePaid   = "paid"   // immutable from now on
	InvoiceVoid   = "void"   // cancelled before payment
	InvoiceIssued = "issued" // credit notes and quotes
)

// BillTo is the copy of the customer's details an invoice was issued with.
type BillTo struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	Workspace    string `json:"workspace"`
	Phone        string `json:"phone"`
	Address      string `json:"address"`
	IsBusiness   bool   `json:"is_business"`
	BusinessName string `json:"business_name"`
	VATID        string `json:"vat_id"`
}

// Invoice is a numbered billing document: an invoice, a credit note or a quote.
type Invoice struct {
	ID             uint64 `gorm:"primaryKey"`
	Number         string
	Kind           string
	SubscriptionID *uint64
	UserID         *uint64
	OrganizationID *uint64
	RefersToID     *uint64
	Status         string
	Currency       string
	BillTo         string // JSON of BillTo
	Lines          string // JSON of []InvoiceLine
	SubtotalCents  int64
	DiscountCents  int64
	CreditCents    int64
	TaxRateBP      int
	TaxCents       int64
	TotalCents     int64
	RefundedCents  int64
	PONumber       string
	PaymentMethod  string
	ProviderRef    string
	PaymentNote    string
	PeriodStart    *time.Time
	PeriodEnd      *time.Time
	IssuedAt       time.Time
	DueAt          *time.Time
	PaidAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName keeps the billing tables together.
func (Invoice) TableName() string { return "billing_invoices" }

// BillToInfo decodes BillTo.
func (i *Invoice) BillToInfo() BillTo {
	var b BillTo
	_ = json.Unmarshal([]byte(i.BillTo), &b)
	return b
}

// LineItems decodes Lines.
func (i *Invoice) LineItems() []InvoiceLine {
	var l []InvoiceLine
	_ = json.Unmarshal([]byte(i.Lines), &l)
	if l == nil {
		l = []InvoiceLine{}
	}
	return l
}

// SetContent stores the lines, the bill-to copy and the totals.
func (i *Invoice) SetContent(bill BillTo, lines []InvoiceLine, t Totals, taxBP int) {
	b, _ := json.Marshal(bill)
	l, _ := json.Marshal(lines)
	i.BillTo, i.Lines = string(b), string(l)
	i.SubtotalCents, i.DiscountCents, i.TaxCents, i.CreditCents, i.TotalCents = t.Subtotal, t.Discount, t.Tax, t.Credit, t.Total
	i.TaxRateBP = taxBP
}

// BillingCounter is a per-kind, per-year document number sequence.
type BillingCounter struct {
	Name  string `gorm:"primaryKey"`
	Year  int    `gorm:"primaryKey;autoIncrement:false"`
	Value int64
}

// TableName keeps the billing tables together.
func (BillingCounter) TableName() string { return "billing_counters" }

// NextNumberTx takes the next number of kind in year. Call it inside the
// transaction that inserts the document: the counter row stays locked until
// commit and a rolled-back insert gives its number back, so numbers have no
// gaps.
func NextNumberTx(tx *gorm.DB, kind string, year int) (int64, error) {
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&BillingCounter{Name: kind, Year: year, Value: 0}).Error; err != nil {
		return 0, fmt.Errorf("create %s counter for %d: %w", kind, year, err)
	}
	res := tx.Model(&BillingCounter{}).Where("name = ? AND year = ?", kind, year).Update("value", gorm.Expr("value + 1"))
	if res.Error != nil {
		return 0, fmt.Errorf("advance %s counter for %d: %w", kind, year, res.Error)
	}
	var c BillingCounter
	if err := tx.Where("name = ? AND year = ?", kind, year).Take(&c).Error; err != nil {
		return 0, fmt.Errorf("read %s counter for %d: %w", kind, year, err)
	}
	return c.Value, nil
}

// CreateInvoiceTx numbers inv (by its Kind and the year of IssuedAt) and inserts it.
func CreateInvoiceTx(tx *gorm.DB, inv *Invoice, now time.Time) error {
	if inv.IssuedAt.IsZero() {
		inv.IssuedAt = now
	}
	year := inv.IssuedAt.UTC().Year()
	seq, err := NextNumberTx(tx, inv.Kind, year)
	if err != nil {
		return err
	}
	inv.Number = DocumentNumber(inv.Kind, year, seq)
	inv.CreatedAt, inv.UpdatedAt = now, now
	if inv.Lines == "" {
		inv.Lines = "[]"
	}
	if inv.BillTo == "" {
		inv.BillTo = "{}"
	}
	if err := tx.Create(inv).Error; err != nil {
		return fmt.Errorf("insert %s %s: %w", inv.Kind, inv.Number, err)
	}
	return nil
}

// ErrInvoiceImmutable: a paid (or void) invoice, a credit note or a quote cannot change.
var ErrInvoiceImmutable = errors.New("invoice cannot be changed")

// InvoiceByID loads one billing document.
func (db *DB) InvoiceByID(ctx context.Context, id uint64) (*Invoice, error) {
	return loadByID[Invoice](ctx, db, "invoice", id)
}

// SubscriptionByID loads one subscription.
func (db *DB) SubscriptionByID(ctx context.Context, id uint64) (*Subscription, error) {
	return loadByID[Subscription](ctx, db, "subscription", id)
}

// BillingDetails are a workspace's invoicing details.
type BillingDetails struct {
	ID             uint64  `gorm:"primaryKey"`
	UserID         *uint64 // personal workspace
	OrganizationID *uint64 // organization
	Phone          string
	Address        string
	IsBusiness     bool
	BusinessName   string
	VATID          string `gorm:"column:vat_id"`
	UpdatedAt      time.Time
}

// TableName keeps the billing tables together.
func (BillingDetails) TableName() string { return "billing_details" }

// Complete tells whether the details allow a first payment.
func (d *BillingDetails) Complete() bool {
	if d == nil || d.Phone == "" || d.Address == "" {
		return false
	}
	return !d.IsBusiness || d.BusinessName != ""
}

// BillingDetailsOf loads a workspace's details (nil, nil when never saved).
func BillingDetailsOf(tx *gorm.DB, ws Workspace) (*BillingDetails, error) {
	var d BillingDetails
	q := tx
	if ws.OrgID != 0 {
		q = q.Where("organization_id = ?", ws.OrgID)
	} else {
		q = q.Where("user_id = ? AND organization_id IS NULL", ws.UserID)
	}
	err := q.Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load billing details: %w", err)
	}
	return &d, nil
}

// SaveBillingDetails creates or replaces a workspace's details.
func (db *DB) SaveBillingDetails(ctx context.Context, ws Workspace, d *BillingDetails, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := BillingDetailsOf(tx, ws)
		if err != nil {
			return err
		}
		d.UpdatedAt = now
		d.UserID, d.OrganizationID = nil, nil
		if ws.OrgID != 0 {
			id := ws.OrgID
			d.OrganizationID = &id
		} else {
			id := ws.UserID
			d.UserID = &id
		}
		if old != nil {
			d.ID = old.ID
			return tx.Save(d).Error
		}
		return tx.Create(d).Error
	})
}

// BillingDeletion records one object deleted because it exceeded the Free
// limits after a cancellation.
type BillingDeletion struct {
	ID             uint64 `gorm:"primaryKey"`
	SubscriptionID uint64
	UserID         *uint64
	OrganizationID *uint64
	ResourceType   string
	ResourceID     uint64
	ResourceName   string
	DeletedAt      time.Time
}

// TableName keeps the billing tables together.
func (BillingDeletion) TableName() string { return "billing_deletions" }

// BillingEvent marks a payment provider event as processed.
type BillingEvent struct {
	ID         uint64 `gorm:"primaryKey"`
	Provider   string
	EventID    string
	Type       string
	ReceivedAt time.Time
}

// TableName keeps the billing tables together.
func (BillingEvent) TableName() string { return "billing_events" }

// ClaimBillingEvent records a provider event; false when it was seen before.
func (db *DB) ClaimBillingEvent(ctx context.Context, provider, id, typ string, now time.Time) (bool, error) {
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&BillingEvent{Provider: provider, EventID: id, Type: typ, ReceivedAt: now})
	if res.Error != nil {
		return false, fmt.Errorf("record %s event %s: %w", provider, id, res.Error)
	}
	return res.RowsAffected == 1, nil
}
