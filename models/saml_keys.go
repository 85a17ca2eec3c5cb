package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SAMLSPKey is the SAML service provider's key pair (PEM), the single row
// of saml_sp_keys. Source says where it came from: "generated" on the first
// start with SAML, or "imported" from <data dir>/saml of an older version.
type SAMLSPKey struct {
	ID        uint64 `gorm:"primaryKey;autoIncrement:false"`
	KeyPEM    string `gorm:"column:key_pem"`
	CertPEM   string `gorm:"column:cert_pem"`
	Source    string
	CreatedAt time.Time
}

// TableName is the table of migration0013.
func (SAMLSPKey) TableName() string { return "saml_sp_keys" }

// SAMLSPKeyPair returns the stored key pair (ErrNotFound when none yet).
func (db *DB) SAMLSPKeyPair(ctx context.Context) (*SAMLSPKey, error) {
	var k SAMLSPKey
	err := db.WithContext(ctx).Take(&k, 1).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load saml key pair: %w", err)
	}
	return &k, nil
}

// StoreSAMLSPKeyPair keeps k as the key pair unless one is stored already,
// and returns the one that is stored: when replicas start together, the
// first insert wins and every replica uses it.
func (db *DB) StoreSAMLSPKeyPair(ctx context.Context, k SAMLSPKey) (*SAMLSPKey, error) {
	k.ID = 1
	if err := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&k).Error; err != nil {
		return nil, fmt.Errorf("store saml key pair: %w", err)
	}
	return db.SAMLSPKeyPair(ctx)
}
