package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Global roles (SPEC §2).
const (
	RoleAdmin  = "admin"
	RoleUser   = "user"
	RoleWorker = "worker"
)

// ValidRole tells whether r is a global role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleUser || r == RoleWorker }

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a unique value is taken.
var ErrConflict = errors.New("already exists")

// User is an account (table users).
type User struct {
	ID                uint64 `gorm:"primaryKey"`
	Username          string
	UsernameLower     string
	Email             string
	EmailLower        *string
	PasswordHash      string
	FirstName         string
	LastName          string
	Role              string
	IsActive          bool
	EmailVerified     bool
	DateJoined        time.Time
	LastLogin         *time.Time
	PasswordChangedAt time.Time
	UpdatedAt         time.Time
}

// IsAdmin tells whether the user has the admin global role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// HasPassword tells whether the account can sign in with a password.
func (u *User) HasPassword() bool { return u.PasswordHash != "" }

// Normalize fills the lower-case lookup columns.
func (u *User) Normalize() {
	u.UsernameLower = strings.ToLower(u.Username)
	u.Email = strings.TrimSpace(u.Email)
	if u.Email == "" {
		u.EmailLower = nil
	} else {
		e := strings.ToLower(u.Email)
		u.EmailLower = &e
	}
}

// CreateUser inserts u; a taken username or email is ErrConflict wrapped
// with the field name ("username" or "email").
func (db *DB) CreateUser(ctx context.Context, u *User) error {
	return createUser(db.WithContext(ctx), u)
}

// CreateUserTx is CreateUser inside a caller's transaction.
func CreateUserTx(tx *gorm.DB, u *User) error { return createUser(tx, u) }

func createUser(tx *gorm.DB, u *User) error {
	u.Normalize()
	if u.Role == "" {
		u.Role = RoleUser
	}
	if err := checkUnique(tx, u, 0); err != nil {
		return err
	}
	if err := tx.Create(u).Error; err != nil {
		if IsUniqueViolation(err) {
			return fmt.Errorf("username or email: %w", ErrConflict)
		}
		return fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return nil
}

// FieldConflict names which unique field is taken.
type FieldConflict struct{ Field string }

func (f *FieldConflict) Error() string { return f.Field + " already exists" }
func (f *FieldConflict) Unwrap() error { return ErrConflict }

func checkUnique(tx *gorm.DB, u *User, exceptID uint64) error {
	var n int64
	q := tx.Model(&User{}).Where("username_lower = ?", u.UsernameLower)
	if exceptID != 0 {
		q = q.Where("id <> ?", exceptID)
	}
	if err := q.Count(&n).Error; err != nil {
		return fmt.Errorf("check username: %w", err)
	}
	if n > 0 {
		return &FieldConflict{Field: "username"}
	}
	if u.EmailLower != nil {
		q = tx.Model(&User{}).Where("email_lower = ?", *u.EmailLower)
		if exceptID != 0 {
			q = q.Where("id <> ?", exceptID)
		}
		if err := q.Count(&n).Error; err != nil {
			return fmt.Errorf("check email: %w", err)
		}
		if n > 0 {
			return &FieldConflict{Field: "email"}
		}
	}
	return nil
}

// UserByID loads a user.
func (db *DB) UserByID(ctx context.Context, id uint64) (*User, error) {
	var u User
	err := db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// UserByLogin finds a user by username or email, case-insensitively.
func (db *DB) UserByLogin(ctx context.Context, identifier string) (*User, error) {
	key := strings.ToLower(strings.TrimSpace(identifier))
	var u User
	q := db.WithContext(ctx)
	if strings.Contains(key, "@") {
		q = q.Where("email_lower = ? OR username_lower = ?", key, key)
	} else {
		q = q.Where("username_lower = ?", key)
	}
	err := q.Order("id").First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return &u, nil
}

// UserByEmail finds a user by email, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("email_lower = ?", strings.ToLower(strings.TrimSpace(email))).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user by email: %w", err)
	}
	return &u, nil
}

// UsernameTaken tells whether a username is used (case-insensitively).
func (db *DB) UsernameTaken(ctx context.Context, username string) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&User{}).Where("username_lower = ?", strings.ToLower(username)).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("check username: %w", err)
	}
	return n > 0, nil
}

// UserUpdate lists the columns to change; nil fields stay as they are.
type UserUpdate struct {
	Username  *string
	Email     *string
	FirstName *string
	LastName  *string
	Role      *string
	IsActive  *bool
}

// UpdateUser applies upd to the user and returns the new row. Deactivating
// a user also ends all of their sessions and tokens in the same transaction.
func (db *DB) UpdateUser(ctx context.Context, id uint64, upd UserUpdate, now time.Time) (*User, error) {
	var out User
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := forUpdate(tx, db.Dialect).First(&out, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return fmt.Errorf("load user %d: %w", id, err)
		}
		if upd.Username != nil {
			out.Username = *upd.Username
		}
		if upd.Email != nil {
			if !strings.EqualFold(*upd.Email, out.Email) {
				out.EmailVerified = false
			}
			out.Email = *upd.Email
		}
		if upd.FirstName != nil {
			out.FirstName = *upd.FirstName
		}
		if upd.LastName != nil {
			out.LastName = *upd.LastName
		}
		if upd.Role != nil {
			out.Role = *upd.Role
		}
		deactivated := false
		if upd.IsActive != nil {
			deactivated = out.IsActive && !*upd.IsActive
			out.IsActive = *upd.IsActive
		}
		out.Normalize()
		if err := checkUnique(tx, &out, out.ID); err != nil {
			return err
		}
		out.UpdatedAt = now
		if err := tx.Save(&out).Error; err != nil {
			if IsUniqueViolation(err) {
				return fmt.Errorf("username or email: %w", ErrConflict)
			}
			return fmt.Errorf("save user %d: %w", id, err)
		}
		if deactivated {
			return endAllSessions(tx, id, 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// forUpdate takes a row lock on PostgreSQL; SQLite transactions are
// already serialised by BEGIN IMMEDIATE.
func forUpdate(tx *gorm.DB, d Dialect) *gorm.DB {
	if d == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// SetPassword stores a new hash, records the change time (which voids older
// reset links) and ends the user's sessions and tokens except keepSession.
func (db *DB) SetPassword(ctx context.Context, id uint64, hash string, now time.Time, keepSession uint64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return SetPasswordTx(tx, id, hash, now, keepSession)
	})
}

// SetPasswordTx is SetPassword inside a caller's transaction.
func SetPasswordTx(tx *gorm.DB, id uint64, hash string, now time.Time, keepSession uint64) error {
	res := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{
		"password_hash": hash, "password_changed_at": now, "updated_at": now,
	})
	if res.Error != nil {
		return fmt.Errorf("set password of user %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return endAllSessions(tx, id, keepSession)
}

// UpdatePasswordHash replaces a hash after a transparent re-hash on login.
func (db *DB) UpdatePasswordHash(ctx context.Context, id uint64, hash string) error {
	if err := db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Update("password_hash", hash).Error; err != nil {
		return fmt.Errorf("rehash password of user %d: %w", id, err)
	}
	return nil
}

// MarkEmailVerified sets the verified flag.
func (db *DB) MarkEmailVerified(ctx context.Context, id uint64, now time.Time) error {
	err := db.WithContext(ctx).Model(&User{}).Where("id = ?", id).
		Updates(map[string]any{"email_verified": true, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("verify email of user %d: %w", id, err)
	}
	return nil
}

// DeleteUser removes a user; sessions, tokens and one-time tokens go with it.
func (db *DB) DeleteUser(ctx context.Context, id uint64, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The personal plan ends with its user (organizations stay, with
		// their own subscriptions).
		if err := EndWorkspaceSubscriptionsTx(tx, Workspace{UserID: id}, now); err != nil {
			return err
		}
		if err := endAllSessions(tx, id, 0); err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&OneTimeToken{}).Error; err != nil {
			return fmt.Errorf("delete one-time tokens of user %d: %w", id, err)
		}
		res := tx.Delete(&User{}, id)
		if res.Error != nil {
			return fmt.Errorf("delete user %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// CountAdmins counts active admins.
func (db *DB) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&User{}).Where("role = ? AND is_active = ?", RoleAdmin, true).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// UserFilter narrows a user list. Only IDs in VisibleIDs are listed when
// OnlyIDs is set (the policy's filter); Search matches username and names.
type UserFilter struct {
	// Policy narrows the list to what the caller may see; PolicyColumns
	// maps its fields to SQL.
	Policy        Filter
	PolicyColumns map[string]string
	Search        string
	Username      *string
	FirstName     *string
	LastName      *string
	IsActive      *bool
}

// ListUsers returns one page of users matching f, ordered by the query.
func (db *DB) ListUsers(ctx context.Context, f UserFilter, page func(*gorm.DB) *gorm.DB) ([]User, int64, error) {
	q, err := f.Policy.Apply(db.WithContext(ctx).Model(&User{}), f.PolicyColumns)
	if err != nil {
		return nil, 0, err
	}
	if f.Search != "" {
		like := "%" + escapeLike(strings.ToLower(f.Search)) + "%"
		q = q.Where("(username_lower LIKE ? ESCAPE '\\' OR LOWER(first_name) LIKE ? ESCAPE '\\' OR LOWER(last_name) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if f.Username != nil {
		q = q.Where("username_lower = ?", strings.ToLower(*f.Username))
	}
	if f.FirstName != nil {
		q = q.Where("first_name = ?", *f.FirstName)
	}
	if f.LastName != nil {
		q = q.Where("last_name = ?", *f.LastName)
	}
	if f.IsActive != nil {
		q = q.Where("is_active = ?", *f.IsActive)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	var users []User
	if err := page(q).Find(&users).Error; err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return users, total, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
