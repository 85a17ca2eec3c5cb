package models

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0007 adds the SAML assertions already accepted, kept until they
// expire so none is accepted twice (replay), on every replica.
var migration0007 = &gormigrate.Migration{
	ID: "0007_saml_assertions",
	Migrate: func(tx *gorm.DB) error {
		type SAMLAssertion struct {
			// KeyHash is SHA-256 of the IdP id and the assertion ID.
			KeyHash   string    `gorm:"size:64;primaryKey"`
			IdP       string    `gorm:"column:idp;size:128;not null"`
			ExpiresAt time.Time `gorm:"not null;index"`
			CreatedAt time.Time `gorm:"not null"`
		}
		return tx.Migrator().CreateTable(&SAMLAssertion{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("saml_assertions")
	},
}
