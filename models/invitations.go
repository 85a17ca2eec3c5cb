package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Invitation asks someone, by email, to join an organization with a role
// (table invitations). Key is its public id (shown to the organization's
// managers, used in API paths); the secret that the mailed link carries is
// stored only as TokenHash.
type Invitation struct {
	ID             uint64 `gorm:"primaryKey"`
	Key            string
	TokenHash      string
	OrganizationID uint64
	OwnerID        *uint64
	Email          string
	EmailLower     string
	InviteeID      *uint64
	Role           string
	CreatedAt      time.Time
	SentAt         time.Time
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	RemovedAt      *time.Time
}

// Why an invitation cannot be used.
var (
	ErrInvitationAccepted = errors.New("invitation already accepted")
	ErrInvitationExpired  = errors.New("invitation expired")
	ErrInvitationRemoved  = errors.New("invitation removed")
	ErrAlreadyMember      = errors.New("already a member")
	ErrAlreadyInvited     = errors.New("already invited")
)

// Usable tells why inv cannot be accepted now, or nil.
func (inv *Invitation) Usable(now time.Time) error {
	switch {
	case inv.RemovedAt != nil:
		return ErrInvitationRemoved
	case inv.AcceptedAt != nil:
		return ErrInvitationAccepted
	case !now.Before(inv.ExpiresAt):
		return ErrInvitationExpired
	}
	return nil
}

// CreateInvitationTx stores a new invitation in tx unless the address is
// already a member or already has a pending invitation to the organization.
func CreateInvitationTx(tx *gorm.DB, inv *Invitation, now time.Time) error {
	inv.EmailLower = strings.ToLower(strings.TrimSpace(inv.Email))
	if err := InvitableTx(tx, inv.OrganizationID, inv.Email, now); err != nil {
		return err
	}
	var u User
	if err := tx.Where("email_lower = ?", inv.EmailLower).First(&u).Error; err == nil {
		inv.InviteeID = &u.ID
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("find invitee: %w", err)
	}
	if err := tx.Create(inv).Error; err != nil {
		return fmt.Errorf("create invitation: %w", err)
	}
	return nil
}

// InvitableTx tells whether email may be invited to organization orgID:
// ErrAlreadyMember or ErrAlreadyInvited (a pending, unexpired invitation)
// when not.
func InvitableTx(tx *gorm.DB, orgID uint64, email string, now time.Time) error {
	lower := strings.ToLower(strings.TrimSpace(email))
	var n int64
	err := tx.Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organization_id = ? AND users.email_lower = ?", orgID, lower).Count(&n).Error
	if err != nil {
		return fmt.Errorf("check membership: %w", err)
	}
	if n > 0 {
		return ErrAlreadyMember
	}
	err = tx.Model(&Invitation{}).Where("organization_id = ? AND email_lower = ? AND accepted_at IS NULL AND removed_at IS NULL AND expires_at > ?",
		orgID, lower, now).Count(&n).Error
	if err != nil {
		return fmt.Errorf("check invitations: %w", err)
	}
	if n > 0 {
		return ErrAlreadyInvited
	}
	return nil
}

// InvitationByKey loads an invitation by its public key.
func (db *DB) InvitationByKey(ctx context.Context, key string) (*Invitation, error) {
	var inv Invitation
	err := db.WithContext(ctx).Where("key = ?", key).First(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load invitation: %w", err)
	}
	return &inv, nil
}

// InvitationByToken loads an invitation by the secret of its link.
func (db *DB) InvitationByToken(ctx context.Context, tokenHash string) (*Invitation, error) {
	var inv Invitation
	err := db.WithContext(ctx).Where("token_hash = ?", tokenHash).First(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load invitation: %w", err)
	}
	return &inv, nil
}

// AcceptInvitationTx makes userID a member through the invitation, exactly
// once: of two concurrent accepts only one succeeds.
func AcceptInvitationTx(tx *gorm.DB, key string, userID uint64, now time.Time) (*Invitation, error) {
	var inv Invitation
	if err := tx.Where("key = ?", key).First(&inv).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load invitation: %w", err)
	}
	if err := inv.Usable(now); err != nil {
		return &inv, err
	}
	res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND removed_at IS NULL", inv.ID).
		Updates(map[string]any{"accepted_at": now, "invitee_id": userID})
	if res.Error != nil {
		return nil, fmt.Errorf("accept invitation: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return &inv, ErrInvitationAccepted
	}
	var n int64
	if err := tx.Model(&Membership{}).Where("user_id = ? AND organization_id = ?", userID, inv.OrganizationID).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("check membership: %w", err)
	}
	if n > 0 {
		return &inv, ErrAlreadyMember
	}
	key2 := inv.Key
	m := &Membership{UserID: userID, OrganizationID: inv.OrganizationID, Role: inv.Role, IsActive: true, JoinedAt: &now, InvitationKey: &key2}
	if err := tx.Create(m).Error; err != nil {
		if IsUniqueViolation(err) {
			return &inv, ErrAlreadyMember
		}
		return nil, fmt.Errorf("create membership: %w", err)
	}
	inv.AcceptedAt = &now
	inv.InviteeID = &userID
	return &inv, nil
}

// RenewInvitationTx gives the invitation a new secret and a new expiry.
func RenewInvitationTx(tx *gorm.DB, id uint64, tokenHash string, now, expires time.Time) error {
	res := tx.Model(&Invitation{}).Where("id = ? AND accepted_at IS NULL AND removed_at IS NULL", id).
		Updates(map[string]any{"token_hash": tokenHash, "sent_at": now, "expires_at": expires})
	if res.Error != nil {
		return fmt.Errorf("renew invitation: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrInvitationAccepted
	}
	return nil
}

// RemoveInvitation withdraws an invitation; accepting it later says so.
func (db *DB) RemoveInvitation(ctx context.Context, id uint64, now time.Time) error {
	if err := db.WithContext(ctx).Model(&Invitation{}).Where("id = ? AND removed_at IS NULL", id).Update("removed_at", now).Error; err != nil {
		return fmt.Errorf("remove invitation: %w", err)
	}
	return nil
}

// DeleteInvitation drops an invitation (the invitee declined it).
func (db *DB) DeleteInvitation(ctx context.Context, id uint64) error {
	if err := db.WithContext(ctx).Delete(&Invitation{}, id).Error; err != nil {
		return fmt.Errorf("delete invitation: %w", err)
	}
	return nil
}

// LinkInvitationsTx points pending invitations for email at a (new) user.
func LinkInvitationsTx(tx *gorm.DB, userID uint64, email string) error {
	err := tx.Model(&Invitation{}).Where("email_lower = ? AND invitee_id IS NULL", strings.ToLower(email)).
		Update("invitee_id", userID).Error
	if err != nil {
		return fmt.Errorf("link invitations: %w", err)
	}
	return nil
}
