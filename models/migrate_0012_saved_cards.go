package models

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0012 lets a subscription remember the payment provider's
// customer and the card saved at the first card payment, so renewals are
// charged without the owner at the keyboard. Both hold provider ids only
// (never card data).
var migration0012 = &gormigrate.Migration{
	ID: "0012_saved_cards",
	Migrate: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, col := range []string{"ProviderCustomer", "ProviderPaymentMethod"} {
			if err := m.AddColumn(&savedCardColumns0012{}, col); err != nil {
				return err
			}
		}
		return nil
	},
	Rollback: func(tx *gorm.DB) error {
		m := tx.Migrator()
		for _, col := range []string{"provider_customer", "provider_payment_method"} {
			if err := m.DropColumn("billing_subscriptions", col); err != nil {
				return err
			}
		}
		return nil
	},
}

// savedCardColumns0012 is the shape of the columns migration0012 adds.
type savedCardColumns0012 struct {
	ProviderCustomer      string `gorm:"size:128;not null;default:''"`
	ProviderPaymentMethod string `gorm:"size:128;not null;default:''"`
}

func (savedCardColumns0012) TableName() string { return "billing_subscriptions" }
