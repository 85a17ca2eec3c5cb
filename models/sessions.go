package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Session is a signed-in browser or API client (table sessions). The
// browser holds the session id in a cookie; API clients use the login key
// with `Authorization: Token`. Only SHA-256 hashes of both are stored.
type Session struct {
	ID          uint64 `gorm:"primaryKey"`
	UserID      uint64
	SessionHash string
	TokenHash   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time
	IP          string
	UserAgent   string
}

// AccessToken is a personal access token (table access_tokens).
type AccessToken struct {
	ID         uint64 `gorm:"primaryKey"`
	UserID     uint64
	Name       string
	TokenHash  string
	ReadOnly   bool
	ExpiresAt  *time.Time
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// One-time token purposes.
const (
	PurposeEmailConfirm  = "email_confirm"
	PurposePasswordReset = "password_reset"
	PurposeSetup         = "setup"
)

// OneTimeToken is a mailed or printed single-use secret (table
// one_time_tokens): email confirmation, password reset, first-admin setup.
type OneTimeToken struct {
	ID        uint64 `gorm:"primaryKey"`
	Purpose   string
	TokenHash string
	UserID    *uint64
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *Session) error {
	if err := db.WithContext(ctx).Create(s).Error; err != nil {
		return fmt.Errorf("create session for user %d: %w", s.UserID, err)
	}
	return nil
}

// SessionWithUser is a live session and its user.
type SessionWithUser struct {
	Session Session
	User    User
}

// ActiveSession finds the unexpired session whose column (session_hash or
// token_hash) equals hash, with its user, in one query.
func (db *DB) ActiveSession(ctx context.Context, column, hash string, now, idleSince time.Time) (*SessionWithUser, error) {
	if column != "session_hash" && column != "token_hash" {
		return nil, fmt.Errorf("active session: bad column %q", column)
	}
	var s Session
	err := db.WithContext(ctx).Where(column+" = ? AND expires_at > ? AND last_seen_at > ?", hash, now, idleSince).First(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	var u User
	if err := db.WithContext(ctx).First(&u, s.UserID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load user of session: %w", err)
	}
	return &SessionWithUser{Session: s, User: u}, nil
}

// TouchSession records activity on a session.
func (db *DB) TouchSession(ctx context.Context, id uint64, now time.Time) error {
	if err := db.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("last_seen_at", now).Error; err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session of a user. ErrNotFound when it is not theirs.
func (db *DB) DeleteSession(ctx context.Context, userID, id uint64) error {
	res := db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&Session{})
	if res.Error != nil {
		return fmt.Errorf("delete session: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteOtherSessions ends every session of a user except keep.
func (db *DB) DeleteOtherSessions(ctx context.Context, userID, keep uint64) (int64, error) {
	res := db.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("delete sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ListSessions returns the live sessions of a user, newest first.
func (db *DB) ListSessions(ctx context.Context, userID uint64, now time.Time, page func(*gorm.DB) *gorm.DB) ([]Session, int64, error) {
	q := db.WithContext(ctx).Model(&Session{}).Where("user_id = ? AND expires_at > ?", userID, now)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", err)
	}
	var out []Session
	if err := page(q).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list sessions: %w", err)
	}
	return out, total, nil
}

// endAllSessions deletes a user's sessions (except keep) and personal access
// tokens: used when the password changes or the account is deactivated.
func endAllSessions(tx *gorm.DB, userID, keep uint64) error {
	if err := tx.Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	if err := tx.Where("user_id = ?", userID).Delete(&AccessToken{}).Error; err != nil {
		return fmt.Errorf("revoke tokens of user %d: %w", userID, err)
	}
	return nil
}

// PruneSessions deletes sessions that expired or idled out.
func (db *DB) PruneSessions(ctx context.Context, now, idleSince time.Time) (int64, error) {
	res := db.WithContext(ctx).Where("expires_at <= ? OR last_seen_at <= ?", now, idleSince).Delete(&Session{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// MaxAccessTokens is how many personal access tokens one user may hold.
const MaxAccessTokens = 50

// ErrTooManyTokens is returned when a user holds MaxAccessTokens already.
var ErrTooManyTokens = errors.New("too many access tokens")

// CreateAccessToken stores a token unless the user is at the limit; the
// count and the insert share one transaction.
func (db *DB) CreateAccessToken(ctx context.Context, t *AccessToken) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&AccessToken{}).Where("user_id = ?", t.UserID).Count(&n).Error; err != nil {
			return fmt.Errorf("count access tokens: %w", err)
		}
		if n >= MaxAccessTokens {
			return ErrTooManyTokens
		}
		if err := tx.Create(t).Error; err != nil {
			return fmt.Errorf("create access token: %w", err)
		}
		return nil
	})
}

// AccessTokenWithUser is a valid token and its user.
type AccessTokenWithUser struct {
	Token AccessToken
	User  User
}

// ActiveAccessToken finds an unexpired personal access token by hash.
func (db *DB) ActiveAccessToken(ctx context.Context, hash string, now time.Time) (*AccessTokenWithUser, error) {
	var t AccessToken
	err := db.WithContext(ctx).Where("token_hash = ? AND (expires_at IS NULL OR expires_at > ?)", hash, now).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find access token: %w", err)
	}
	var u User
	if err := db.WithContext(ctx).First(&u, t.UserID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("load user of token: %w", err)
	}
	return &AccessTokenWithUser{Token: t, User: u}, nil
}

// TouchAccessToken records the last use of a token.
func (db *DB) TouchAccessToken(ctx context.Context, id uint64, now time.Time) error {
	if err := db.WithContext(ctx).Model(&AccessToken{}).Where("id = ?", id).Update("last_used_at", now).Error; err != nil {
		return fmt.Errorf("touch access token: %w", err)
	}
	return nil
}

// ListAccessTokens lists a user's tokens.
func (db *DB) ListAccessTokens(ctx context.Context, userID uint64, page func(*gorm.DB) *gorm.DB) ([]AccessToken, int64, error) {
	q := db.WithContext(ctx).Model(&AccessToken{}).Where("user_id = ?", userID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count access tokens: %w", err)
	}
	var out []AccessToken
	if err := page(q).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list access tokens: %w", err)
	}
	return out, total, nil
}

// DeleteAccessToken revokes a user's token.
func (db *DB) DeleteAccessToken(ctx context.Context, userID, id uint64) error {
	res := db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&AccessToken{})
	if res.Error != nil {
		return fmt.Errorf("delete access token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// CreateOneTimeToken stores a single-use token.
func (db *DB) CreateOneTimeToken(ctx context.Context, t *OneTimeToken) error {
	return CreateOneTimeTokenTx(db.WithContext(ctx), t)
}

// CreateOneTimeTokenTx is CreateOneTimeToken in a caller's transaction.
func CreateOneTimeTokenTx(tx *gorm.DB, t *OneTimeToken) error {
	if err := tx.Create(t).Error; err != nil {
		return fmt.Errorf("create %s token: %w", t.Purpose, err)
	}
	return nil
}

// Why a one-time token cannot be used.
var (
	ErrTokenUsed    = errors.New("token already used")
	ErrTokenExpired = errors.New("token expired")
)

// FindOneTimeToken looks a token up without using it.
func (db *DB) FindOneTimeToken(ctx context.Context, purpose, hash string) (*OneTimeToken, error) {
	var t OneTimeToken
	err := db.WithContext(ctx).Where("purpose = ? AND token_hash = ?", purpose, hash).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find %s token: %w", purpose, err)
	}
	return &t, nil
}

// UseOneTimeToken marks the token used inside tx, exactly once: of two
// concurrent uses only one succeeds, the other gets ErrTokenUsed.
func UseOneTimeToken(tx *gorm.DB, purpose, hash string, now time.Time) (*OneTimeToken, error) {
	var t OneTimeToken
	err := tx.Where("purpose = ? AND token_hash = ?", purpose, hash).First(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find %s token: %w", purpose, err)
	}
	if t.UsedAt != nil {
		return &t, ErrTokenUsed
	}
	if !now.Before(t.ExpiresAt) {
		return &t, ErrTokenExpired
	}
	res := tx.Model(&OneTimeToken{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now)
	if res.Error != nil {
		return nil, fmt.Errorf("use %s token: %w", purpose, res.Error)
	}
	if res.RowsAffected == 0 {
		return &t, ErrTokenUsed
	}
	t.UsedAt = &now
	return &t, nil
}
