package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// SAMLAssertion records an accepted SAML assertion until it expires.
type SAMLAssertion struct {
	KeyHash   string `gorm:"primaryKey"`
	IdP       string `gorm:"column:idp"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

// TableName keeps the name the migration gives the table.
func (SAMLAssertion) TableName() string { return "saml_assertions" }

// ErrAssertionReplayed is returned for an assertion seen before.
var ErrAssertionReplayed = errors.New("saml assertion already used")

// ConsumeSAMLAssertion records assertion id of idp as used until expiresAt,
// or returns ErrAssertionReplayed when it is recorded already (by this or
// another replica: the primary key decides). Expired records are pruned
// on the way.
func (db *DB) ConsumeSAMLAssertion(ctx context.Context, idp, id string, expiresAt, now time.Time) error {
	sum := sha256.Sum256([]byte(idp + "\x00" + id))
	key := hex.EncodeToString(sum[:])
	if err := db.WithContext(ctx).Where("expires_at < ?", now).Delete(&SAMLAssertion{}).Error; err != nil {
		return fmt.Errorf("prune saml assertions: %w", err)
	}
	if expiresAt.Before(now) {
		expiresAt = now
	}
	res := db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&SAMLAssertion{KeyHash: key, IdP: idp, ExpiresAt: expiresAt, CreatedAt: now})
	if res.Error != nil {
		return fmt.Errorf("record saml assertion: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrAssertionReplayed
	}
	return nil
}

// PruneSAMLAssertions deletes the records of assertions expired before now.
func (db *DB) PruneSAMLAssertions(ctx context.Context, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at < ?", now).Delete(&SAMLAssertion{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune saml assertions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
