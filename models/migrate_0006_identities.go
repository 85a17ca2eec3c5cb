package models

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migration0006 adds the accounts of outside identity providers linked to
// users (OIDC, SAML, social) and the sign-ins in progress with them.
var migration0006 = &gormigrate.Migration{
	ID: "0006_identities",
	Migrate: func(tx *gorm.DB) error {
		type User struct {
			ID uint64 `gorm:"primaryKey"`
		}
		type UserIdentity struct {
			ID          uint64    `gorm:"primaryKey"`
			UserID      uint64    `gorm:"not null;index"`
			User        *User     `gorm:"constraint:OnDelete:CASCADE"`
			Provider    string    `gorm:"size:128;not null;uniqueIndex:idx_identity_subject,priority:1"`
			Subject     string    `gorm:"size:255;not null;uniqueIndex:idx_identity_subject,priority:2"`
			Email       string    `gorm:"size:254;not null;default:''"`
			CreatedDate time.Time `gorm:"not null"`
			LastLogin   *time.Time
		}
		type ExternalFlow struct {
			ID         uint64    `gorm:"primaryKey"`
			FlowHash   string    `gorm:"size:64;not null;uniqueIndex"`
			Provider   string    `gorm:"size:128;not null"`
			StateHash  string    `gorm:"size:64;not null"`
			Nonce      string    `gorm:"size:128;not null;default:''"`
			Verifier   string    `gorm:"size:128;not null;default:''"`
			Next       string    `gorm:"size:2000;not null;default:''"`
			Invitation string    `gorm:"size:128;not null;default:''"`
			CreatedAt  time.Time `gorm:"not null"`
			ExpiresAt  time.Time `gorm:"not null;index"`
		}
		return tx.Migrator().CreateTable(&UserIdentity{}, &ExternalFlow{})
	},
	Rollback: func(tx *gorm.DB) error {
		return tx.Migrator().DropTable("user_identities", "external_flows")
	},
}
