package models_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

var acctT0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newUser(name, email string) *models.User {
	return &models.User{Username: name, Email: email, PasswordHash: "x", IsActive: true, DateJoined: acctT0, PasswordChangedAt: acctT0, UpdatedAt: acctT0}
}

func TestUsersUniqueCaseInsensitive(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		if err := db.CreateUser(ctx, newUser("Alice", "Alice@Example.com")); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, username, email, field string
		}{
			{"same username other case", "ALICE", "other@example.com", "username"},
			{"same email other case", "alice2", "alice@EXAMPLE.com", "email"},
		}
		for _, tc := range tests {
			err := db.CreateUser(ctx, newUser(tc.username, tc.email))
			var fc *models.FieldConflict
			if !errors.As(err, &fc) || fc.Field != tc.field || !errors.Is(err, models.ErrConflict) {
				t.Fatalf("%s: got %v, want a conflict on %s", tc.name, err, tc.field)
			}
		}
		u, err := db.UserByLogin(ctx, "alice@example.COM")
		if err != nil || u.Username != "Alice" {
			t.Fatalf("by email: %v %v", u, err)
		}
		u, err = db.UserByLogin(ctx, "aLiCe")
		if err != nil || u.Email != "Alice@Example.com" {
			t.Fatalf("by username: %v %v", u, err)
		}
		if _, err := db.UserByLogin(ctx, "nobody"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}

func TestOneTimeTokenIsUsedOnce(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		u := newUser("racer", "racer@example.com")
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		id := u.ID
		if err := db.CreateOneTimeToken(ctx, &models.OneTimeToken{Purpose: models.PurposePasswordReset, TokenHash: "h1", UserID: &id, CreatedAt: acctT0, ExpiresAt: acctT0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, used := 0, 0
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					_, err := models.UseOneTimeToken(tx, models.PurposePasswordReset, "h1", acctT0.Add(time.Minute))
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, models.ErrTokenUsed):
					used++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || used != 7 {
			t.Fatalf("wins=%d used=%d, want exactly one winner", wins, used)
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			_, err := models.UseOneTimeToken(tx, models.PurposePasswordReset, "nope", acctT0)
			return err
		})
		if !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
	})
}

func TestHitRateIsAtomic(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		counts := make([]int, 30)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, _, err := db.HitRate(ctx, "k", time.Minute, acctT0.Add(10*time.Second))
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		sort.Ints(counts)
		for i, n := range counts {
			if n != i+1 {
				t.Fatalf("counts %v: every hit must see a distinct count 1..30", counts)
			}
		}
		n, start, err := db.HitRate(ctx, "k", time.Minute, acctT0.Add(70*time.Second))
		if err != nil || n != 1 || !start.Equal(acctT0.Add(time.Minute)) {
			t.Fatalf("next window: n=%d start=%v err=%v", n, start, err)
		}
	})
}

func TestLoginFailuresAndSessions(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		for i := 0; i < 3; i++ {
			if err := db.RecordLoginFailure(ctx, "bob", "10.0.0.1", acctT0.Add(time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		acct, ip, err := db.LoginFailuresSince(ctx, "bob", "10.0.0.1", acctT0.Add(30*time.Second))
		if err != nil || acct.Count != 2 || ip.Count != 2 || !acct.Oldest.Equal(acctT0.Add(time.Minute)) {
			t.Fatalf("acct=%+v ip=%+v err=%v", acct, ip, err)
		}
		if err := db.ClearLoginFailures(ctx, "bob"); err != nil {
			t.Fatal(err)
		}
		acct, _, _ = db.LoginFailuresSince(ctx, "bob", "x", acctT0.Add(-time.Hour))
		if acct.Count != 0 {
			t.Fatalf("cleared failures still count %d", acct.Count)
		}

		u := newUser("sessioner", "s@example.com")
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		s := &models.Session{UserID: u.ID, SessionHash: "sh", TokenHash: "th", CreatedAt: acctT0, LastSeenAt: acctT0, ExpiresAt: acctT0.Add(time.Hour)}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActiveSession(ctx, "token_hash", "th", acctT0.Add(time.Minute), acctT0.Add(-time.Hour)); err != nil {
			t.Fatalf("live session: %v", err)
		}
		if _, err := db.ActiveSession(ctx, "token_hash", "th", acctT0.Add(2*time.Hour), acctT0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired session: %v", err)
		}
		if _, err := db.ActiveSession(ctx, "password_hash", "x", acctT0, acctT0); err == nil {
			t.Fatal("a column outside the allow-list must be refused")
		}
		// Deactivation ends sessions and tokens in the same transaction.
		if err := db.CreateAccessToken(ctx, &models.AccessToken{UserID: u.ID, Name: "t", TokenHash: "ah", CreatedAt: acctT0}); err != nil {
			t.Fatal(err)
		}
		off := false
		if _, err := db.UpdateUser(ctx, u.ID, models.UserUpdate{IsActive: &off}, acctT0); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ActiveSession(ctx, "session_hash", "sh", acctT0, acctT0.Add(-time.Hour)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("session survived deactivation: %v", err)
		}
		if _, err := db.ActiveAccessToken(ctx, "ah", acctT0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("token survived deactivation: %v", err)
		}
		n, err := db.PruneSecurityCounters(ctx, acctT0.Add(time.Hour))
		if err != nil || n < 0 {
			t.Fatalf("prune: %d %v", n, err)
		}
	})
}

func TestListUsersSearchEscapesWildcards(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		for _, n := range []string{"ann_smith", "annXsmith", "bob100%"} {
			if err := db.CreateUser(ctx, newUser(n, n+"@example.com")); err != nil {
				t.Fatal(err)
			}
		}
		page := func(q *gorm.DB) *gorm.DB { return q.Order("id") }
		tests := []struct {
			search string
			want   int64
		}{{"ann_", 1}, {"ann", 2}, {"100%", 1}, {"%", 1}, {"'; DROP TABLE users; --", 0}}
		for _, tc := range tests {
			_, n, err := db.ListUsers(ctx, models.UserFilter{Search: tc.search, Policy: models.Filter{All: true}}, page)
			if err != nil || n != tc.want {
				t.Fatalf("search %q: %d rows, err %v; want %d", tc.search, n, err, tc.want)
			}
		}
	})
}
