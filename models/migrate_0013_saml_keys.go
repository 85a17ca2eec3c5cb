package models

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0013 keeps the SAML service provider's key pair in the database,
// one row shared by every replica (each IdP trusts one certificate).
var migration0013 = &gormigrate.Migration{
	ID: "0013_saml_sp_keys",
	Migrate: func(tx *gorm.DB) error {
		return tx.Migrator().CreateTable(&samlSPKeys0013{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("saml_sp_keys")
	},
}

// samlSPKeys0013 is the table migration0013 creates.
type samlSPKeys0013 struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement:false"`
	KeyPEM    string    `gorm:"column:key_pem;type:text;not null"`
	CertPEM   string    `gorm:"column:cert_pem;type:text;not null"`
	Source    string    `gorm:"size:32;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (samlSPKeys0013) TableName() string { return "saml_sp_keys" }
