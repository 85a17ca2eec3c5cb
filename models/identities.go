package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// UserIdentity links a user to an account at an outside identity provider
// (table user_identities). Provider is "oidc:<id>", "saml:<id>" or
// "social:<name>"; (Provider, Subject) is unique.
type UserIdentity struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64
	Provider    string
	Subject     string
	Email       string
	CreatedDate time.Time
	LastLogin   *time.Time
}

// IdentityBySubject finds the link for a provider's subject.
func (db *DB) IdentityBySubject(ctx context.Context, provider, subject string) (*UserIdentity, error) {
	var id UserIdentity
	err := db.WithContext(ctx).Where("provider = ? AND subject = ?", provider, subject).First(&id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load identity: %w", err)
	}
	return &id, nil
}

// CreateIdentityTx links an identity inside tx; a link that exists already
// is ErrConflict.
func CreateIdentityTx(tx *gorm.DB, id *UserIdentity) error {
	if err := tx.Create(id).Error; err != nil {
		if IsUniqueViolation(err) {
			return fmt.Errorf("identity %s: %w", id.Provider, ErrConflict)
		}
		return fmt.Errorf("create identity: %w", err)
	}
	return nil
}

// TouchIdentity records a sign-in through the identity.
func (db *DB) TouchIdentity(ctx context.Context, id uint64, email string, now time.Time) error {
	if err := db.WithContext(ctx).Model(&UserIdentity{}).Where("id = ?", id).
		Updates(map[string]any{"last_login": now, "email": email}).Error; err != nil {
		return fmt.Errorf("touch identity: %w", err)
	}
	return nil
}

// ListIdentities pages a user's linked identities.
func (db *DB) ListIdentities(ctx context.Context, userID uint64, page func(*gorm.DB) *gorm.DB) ([]UserIdentity, int64, error) {
	q := db.WithContext(ctx).Model(&UserIdentity{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count identities: %w", err)
	}
	var rows []UserIdentity
	if err := page(q).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list identities: %w", err)
	}
	return rows, total, nil
}

// ErrLastSignInMethod refuses to unlink the only way left to sign in.
var ErrLastSignInMethod = errors.New("last sign-in method")

// DeleteIdentity unlinks one of userID's identities unless the account
// would be left without a password and without another identity.
func (db *DB) DeleteIdentity(ctx context.Context, userID, identityID uint64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := forUpdate(tx, db.Dialect).First(&u, userID).Error; err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		var id UserIdentity
		err := tx.Where("id = ? AND user_id = ?", identityID, userID).First(&id).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("load identity: %w", err)
		}
		if !u.HasPassword() {
			var n int64
			if err := tx.Model(&UserIdentity{}).Where("user_id = ? AND id <> ?", userID, identityID).Count(&n).Error; err != nil {
				return fmt.Errorf("count identities: %w", err)
			}
			if n == 0 {
				return ErrLastSignInMethod
			}
		}
		if err := tx.Delete(&UserIdentity{}, id.ID).Error; err != nil {
			return fmt.Errorf("delete identity: %w", err)
		}
		return nil
	})
}

// ExternalFlow is a sign-in with an outside provider in progress (table
// external_flows): the browser holds a random id whose SHA-256 is FlowHash;
// the IdP echoes the state whose SHA-256 is StateHash. Single use.
type ExternalFlow struct {
	ID         uint64 `gorm:"primaryKey"`
	FlowHash   string
	Provider   string
	StateHash  string
	Nonce      string
	Verifier   string
	Next       string
	Invitation string
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// CreateExternalFlow stores a flow and prunes expired ones.
func (db *DB) CreateExternalFlow(ctx context.Context, f *ExternalFlow) error {
	if err := db.WithContext(ctx).Where("expires_at < ?", f.CreatedAt).Delete(&ExternalFlow{}).Error; err != nil {
		return fmt.Errorf("prune sign-in flows: %w", err)
	}
	if err := db.WithContext(ctx).Create(f).Error; err != nil {
		return fmt.Errorf("create sign-in flow: %w", err)
	}
	return nil
}

// TakeExternalFlow loads and deletes the flow with flowHash (or, when
// flowHash is "", the one with stateHash): of two concurrent takes only
// one gets it. Expired flows are ErrTokenExpired, missing ones ErrNotFound.
func (db *DB) TakeExternalFlow(ctx context.Context, flowHash, stateHash string, now time.Time) (*ExternalFlow, error) {
	var f ExternalFlow
	q := db.WithContext(ctx)
	if flowHash != "" {
		q = q.Where("flow_hash = ?", flowHash)
	} else {
		q = q.Where("state_hash = ?", stateHash)
	}
	err := q.First(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load sign-in flow: %w", err)
	}
	res := db.WithContext(ctx).Where("id = ?", f.ID).Delete(&ExternalFlow{})
	if res.Error != nil {
		return nil, fmt.Errorf("use sign-in flow: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	if !now.Before(f.ExpiresAt) {
		return nil, ErrTokenExpired
	}
	return &f, nil
}
