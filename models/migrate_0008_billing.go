package models

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0008 creates the billing tables: subscriptions, invoices (with
// credit notes and quotes), gap-free number counters, billing details,
// the record of data deleted after a cancellation, and processed provider
// events (webhook idempotency).
var migration0008 = &gormigrate.Migration{
	ID: "0008_billing",
	Migrate: func(tx *gorm.DB) error {
		type User struct {
			ID uint64 `gorm:"primaryKey"`
		}
		type Organization struct {
			ID uint64 `gorm:"primaryKey"`
		}
		type BillingSubscription struct {
			ID                 uint64        `gorm:"primaryKey"`
			PlanID             string        `gorm:"size:32;not null"`
			Period             string        `gorm:"size:8;not null"`
			Quantity           int           `gorm:"not null;default:1"`
			UnitCents          int64         `gorm:"not null"`
			Currency           string        `gorm:"size:3;not null"`
			UserID             *uint64       `gorm:"index"`
			User               *User         `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
			OrganizationID     *uint64       `gorm:"index"`
			Organization       *Organization `gorm:"foreignKey:OrganizationID;constraint:OnDelete:SET NULL"`
			WorkspaceName      string        `gorm:"size:150;not null;default:''"`
			CreatedByID        *uint64       `gorm:"index"`
			CreatedBy          *User         `gorm:"foreignKey:CreatedByID;constraint:OnDelete:SET NULL"`
			Status             string        `gorm:"size:16;not null;index"`
			Provider           string        `gorm:"size:16;not null"`
			PaymentMethod      string        `gorm:"size:32;not null"`
			ProviderRef        string        `gorm:"size:128;not null;default:''"`
			CurrentPeriodStart time.Time     `gorm:"not null"`
			CurrentPeriodEnd   time.Time     `gorm:"not null;index"`
			CancelAtPeriodEnd  bool          `gorm:"not null;default:false"`
			CancelRequestedAt  *time.Time
			CancelReason       string `gorm:"size:64;not null;default:''"`
			CancelComment      string `gorm:"type:text;not null;default:''"`
			EndedAt            *time.Time
			CreditCents        int64 `gorm:"not null;default:0"`
			DiscountPercent    int   `gorm:"not null;default:0"`
			DiscountUntil      *time.Time
			PONumber           string `gorm:"size:64;not null;default:''"`
			PastDueAt          *time.Time
			NoticeSentAt       *time.Time
			CleanupDoneAt      *time.Time
			CreatedAt          time.Time `gorm:"not null"`
			UpdatedAt          time.Time `gorm:"not null"`
		}
		type BillingInvoice struct {
			ID             uint64               `gorm:"primaryKey"`
			Number         string               `gorm:"size:32;not null;uniqueIndex"`
			Kind           string               `gorm:"size:16;not null"`
			SubscriptionID *uint64              `gorm:"index"`
			Subscription   *BillingSubscription `gorm:"foreignKey:SubscriptionID;constraint:OnDelete:SET NULL"`
			UserID         *uint64              `gorm:"index"`
			User           *User                `gorm:"foreignKey:UserID;constraint:OnDelete:SET NULL"`
			OrganizationID *uint64              `gorm:"index"`
			Organization   *Organization        `gorm:"foreignKey:OrganizationID;constraint:OnDelete:SET NULL"`
			RefersToID     *uint64              `gorm:"index"`
			Status         string               `gorm:"size:16;not null;index"`
			Currency       string               `gorm:"size:3;not null"`
			BillTo         string               `gorm:"type:text;not null;default:'{}'"`
			Lines          string               `gorm:"type:text;not null;default:'[]'"`
			SubtotalCents  int64                `gorm:"not null"`
			DiscountCents  int64                `gorm:"not null;default:0"`
			CreditCents    int64                `gorm:"not null;default:0"`
			TaxRateBP      int                  `gorm:"not null;default:0"`
			TaxCents       int64                `gorm:"not null;default:0"`
			TotalCents     int64                `gorm:"not null"`
			RefundedCents  int64                `gorm:"not null;default:0"`
			PONumber       string               `gorm:"size:64;not null;default:''"`
			PaymentMethod  string               `gorm:"size:32;not null;default:''"`
			ProviderRef    string               `gorm:"size:128;not null;default:''"`
			PaymentNote    string               `gorm:"size:500;not null;default:''"`
			PeriodStart    *time.Time
			PeriodEnd      *time.Time
			IssuedAt       time.Time `gorm:"not null"`
			DueAt          *time.Time
			PaidAt         *time.Time
			CreatedAt      time.Time `gorm:"not null"`
			UpdatedAt      time.Time `gorm:"not null"`
		}
		type BillingCounter struct {
			Name  string `gorm:"size:16;primaryKey"`
			Year  int    `gorm:"primaryKey;autoIncrement:false"`
			Value int64  `gorm:"not null"`
		}
		type BillingDetails struct {
			ID             uint64        `gorm:"primaryKey"`
			UserID         *uint64       `gorm:"uniqueIndex"`
			User           *User         `gorm:"foreignKey:UserID;constraint:OnDelete:CASCADE"`
			OrganizationID *uint64       `gorm:"uniqueIndex"`
			Organization   *Organization `gorm:"foreignKey:OrganizationID;constraint:OnDelete:CASCADE"`
			Phone          string        `gorm:"size:32;not null;default:''"`
			Address        string        `gorm:"size:1000;not null;default:''"`
			IsBusiness     bool          `gorm:"not null;default:false"`
			BusinessName   string        `gorm:"size:200;not null;default:''"`
			VATID          string        `gorm:"column:vat_id;size:32;not null;default:''"`
			UpdatedAt      time.Time     `gorm:"not null"`
		}
		type BillingDeletion struct {
			ID             uint64    `gorm:"primaryKey"`
			SubscriptionID uint64    `gorm:"not null;uniqueIndex:idx_billing_deletion,priority:1"`
			UserID         *uint64   `gorm:"index"`
			OrganizationID *uint64   `gorm:"index"`
			ResourceType   string    `gorm:"size:16;not null;uniqueIndex:idx_billing_deletion,priority:2"`
			ResourceID     uint64    `gorm:"not null;uniqueIndex:idx_billing_deletion,priority:3"`
			ResourceName   string    `gorm:"size:256;not null;default:''"`
			DeletedAt      time.Time `gorm:"not null"`
		}
		type BillingEvent struct {
			ID         uint64    `gorm:"primaryKey"`
			Provider   string    `gorm:"size:16;not null;uniqueIndex:idx_billing_event,priority:1"`
			EventID    string    `gorm:"size:128;not null;uniqueIndex:idx_billing_event,priority:2"`
			Type       string    `gorm:"size:64;not null"`
			ReceivedAt time.Time `gorm:"not null"`
		}
		return tx.Migrator().CreateTable(&BillingSubscription{}, &BillingInvoice{}, &BillingCounter{},
			&BillingDetails{}, &BillingDeletion{}, &BillingEvent{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("billing_events", "billing_deletions", "billing_details",
			"billing_counters", "billing_invoices", "billing_subscriptions")
	},
}
