package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Organization roles (SPEC §2), from the most to the least powerful.
const (
	OrgOwner      = "owner"
	OrgMaintainer = "maintainer"
	OrgSupervisor = "supervisor"
	OrgWorker     = "worker"
)

// ValidOrgRole tells whether r is an organization role.
func ValidOrgRole(r string) bool {
	return r == OrgOwner || r == OrgMaintainer || r == OrgSupervisor || r == OrgWorker
}

// Contact is an organization's optional contact details.
type Contact struct {
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Location    string `json:"location,omitempty"`
}

// Organization is a shared workspace (table organizations).
type Organization struct {
	ID          uint64 `gorm:"primaryKey"`
	Slug        string
	SlugLower   string
	Name        string
	Description string
	Contact     string // JSON of Contact
	OwnerID     *uint64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ContactInfo decodes the stored contact details.
func (o *Organization) ContactInfo() Contact {
	var c Contact
	_ = json.Unmarshal([]byte(o.Contact), &c)
	return c
}

// SetContact encodes contact details.
func (o *Organization) SetContact(c Contact) {
	b, _ := json.Marshal(c)
	o.Contact = string(b)
}

// Membership ties a user to an organization with a role (table memberships).
type Membership struct {
	ID             uint64 `gorm:"primaryKey"`
	UserID         uint64
	OrganizationID uint64
	Role           string
	IsActive       bool
	JoinedAt       *time.Time
	InvitationKey  *string
}

// ErrSlugTaken is returned when an organization short name is in use.
var ErrSlugTaken = errors.New("organization short name taken")

// CreateOrganization inserts org and the owner's active membership in one
// transaction.
func (db *DB) CreateOrganization(ctx context.Context, org *Organization, owner uint64, now time.Time) error {
	org.SlugLower = strings.ToLower(org.Slug)
	org.OwnerID = &owner
	org.CreatedAt, org.UpdatedAt = now, now
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Organization{}).Where("slug_lower = ?", org.SlugLower).Count(&n).Error; err != nil {
			return fmt.Errorf("check slug: %w", err)
		}
		if n > 0 {
			return ErrSlugTaken
		}
		if err := tx.Create(org).Error; err != nil {
			if IsUniqueViolation(err) {
				return ErrSlugTaken
			}
			return fmt.Errorf("create organization %s: %w", org.Slug, err)
		}
		m := &Membership{UserID: owner, OrganizationID: org.ID, Role: OrgOwner, IsActive: true, JoinedAt: &now}
		if err := tx.Create(m).Error; err != nil {
			return fmt.Errorf("create owner membership: %w", err)
		}
		return nil
	})
}

// OrganizationByID loads an organization.
func (db *DB) OrganizationByID(ctx context.Context, id uint64) (*Organization, error) {
	var o Organization
	err := db.WithContext(ctx).First(&o, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load organization %d: %w", id, err)
	}
	return &o, nil
}

// OrganizationBySlug loads an organization by short name (case-insensitive).
func (db *DB) OrganizationBySlug(ctx context.Context, slug string) (*Organization, error) {
	var o Organization
	err := db.WithContext(ctx).Where("slug_lower = ?", strings.ToLower(slug)).First(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load organization %q: %w", slug, err)
	}
	return &o, nil
}

// UpdateOrganization saves changed fields.
func (db *DB) UpdateOrganization(ctx context.Context, o *Organization, now time.Time) error {
	o.SlugLower = strings.ToLower(o.Slug)
	o.UpdatedAt = now
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&Organization{}).Where("slug_lower = ? AND id <> ?", o.SlugLower, o.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("check slug: %w", err)
		}
		if n > 0 {
			return ErrSlugTaken
		}
		if err := tx.Save(o).Error; err != nil {
			if IsUniqueViolation(err) {
				return ErrSlugTaken
			}
			return fmt.Errorf("save organization %d: %w", o.ID, err)
		}
		return nil
	})
}

// DeleteOrganization removes the organization and everything in it in one
// transaction (memberships and invitations go by cascade, and explicitly so
// the answer does not depend on the engine's foreign-key support).
func (db *DB) DeleteOrganization(ctx context.Context, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Its subscriptions end with it: no more invoices for a workspace
		// that is gone.
		if err := EndWorkspaceSubscriptionsTx(tx, Workspace{OrgID: id}, now); err != nil {
			return err
		}
		for _, table := range orgOwnedTables {
			if err := tx.Table(table).Where("organization_id = ?", id).Delete(nil).Error; err != nil {
				return fmt.Errorf("delete %s of organization %d: %w", table, id, err)
			}
		}
		res := tx.Delete(&Organization{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete organization %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// orgOwnedTables lists, children first, the tables whose rows belong to an
// organization and go when it is deleted.
var orgOwnedTables = []string{"jobs", "tasks", "projects", "cloud_storages", "invitations", "memberships"}

// MembershipOf returns user's membership in org, or ErrNotFound.
func (db *DB) MembershipOf(ctx context.Context, userID, orgID uint64) (*Membership, error) {
	var m Membership
	err := db.WithContext(ctx).Where("user_id = ? AND organization_id = ? AND is_active = ?", userID, orgID, true).First(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load membership: %w", err)
	}
	return &m, nil
}

// MembershipByID loads a membership.
func (db *DB) MembershipByID(ctx context.Context, id uint64) (*Membership, error) {
	var m Membership
	err := db.WithContext(ctx).First(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load membership %d: %w", id, err)
	}
	return &m, nil
}

// SetMembershipRole changes a role; the owner role is never set here.
func (db *DB) SetMembershipRole(ctx context.Context, id uint64, role string) error {
	if role == OrgOwner {
		return errors.New("the owner role cannot be given")
	}
	if err := db.WithContext(ctx).Model(&Membership{}).Where("id = ? AND role <> ?", id, OrgOwner).Update("role", role).Error; err != nil {
		return fmt.Errorf("set role of membership %d: %w", id, err)
	}
	return nil
}

// DeleteMembership removes a member (never the owner).
func (db *DB) DeleteMembership(ctx context.Context, id uint64) error {
	res := db.WithContext(ctx).Where("id = ? AND role <> ?", id, OrgOwner).Delete(&Membership{})
	if res.Error != nil {
		return fmt.Errorf("delete membership %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// MemberCount counts the active members of an organization.
func (db *DB) MemberCount(ctx context.Context, orgID uint64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Membership{}).Where("organization_id = ? AND is_active = ?", orgID, true).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}
