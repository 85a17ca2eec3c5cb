package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func TestIdentities(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		withPw := newUser("withpassword", "pw@example.com")
		noPw := newUser("nopassword", "nopw@example.com")
		noPw.PasswordHash = ""
		for _, u := range []*models.User{withPw, noPw} {
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		link := func(u *models.User, provider, subject string) (*models.UserIdentity, error) {
			id := &models.UserIdentity{UserID: u.ID, Provider: provider, Subject: subject, Email: u.Email, CreatedDate: acctT0}
			err := db.Transaction(func(tx *gorm.DB) error { return models.CreateIdentityTx(tx, id) })
			return id, err
		}
		a, err := link(noPw, "oidc:corp", "sub-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := link(withPw, "oidc:corp", "sub-1"); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("same provider and subject twice: %v", err)
		}
		b, err := link(noPw, "saml:corp", "sub-1") // same subject, other provider
		if err != nil {
			t.Fatal(err)
		}
		pwLink, err := link(withPw, "social:github", "42")
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.IdentityBySubject(ctx, "oidc:corp", "sub-1")
		if err != nil || got.UserID != noPw.ID {
			t.Fatalf("IdentityBySubject = %+v, %v", got, err)
		}
		if _, err := db.IdentityBySubject(ctx, "oidc:corp", "sub-2"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown subject: %v", err)
		}
		if err := db.TouchIdentity(ctx, a.ID, "new@example.com", acctT0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		rows, n, err := db.ListIdentities(ctx, noPw.ID, func(q *gorm.DB) *gorm.DB { return q.Order("id") })
		if err != nil || n != 2 || rows[0].Email != "new@example.com" || rows[0].LastLogin == nil {
			t.Fatalf("ListIdentities = %+v, %d, %v", rows, n, err)
		}
		// Another user's identity is not found; the last way to sign in stays.
		if err := db.DeleteIdentity(ctx, withPw.ID, a.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("delete another user's identity: %v", err)
		}
		if err := db.DeleteIdentity(ctx, noPw.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteIdentity(ctx, noPw.ID, b.ID); !errors.Is(err, models.ErrLastSignInMethod) {
			t.Fatalf("delete the last identity of a user without password: %v", err)
		}
		if err := db.DeleteIdentity(ctx, withPw.ID, pwLink.ID); err != nil {
			t.Fatalf("a user with a password may drop the last identity: %v", err)
		}
		// Deleting the user deletes its identities.
		if err := db.DeleteUser(ctx, noPw.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		var left int64
		db.Model(&models.UserIdentity{}).Where("user_id = ?", noPw.ID).Count(&left)
		if left != 0 {
			t.Fatalf("%d identities outlive their user", left)
		}
	})
}

func TestExternalFlowsSingleUse(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		mk := func(flow, state string, at time.Time) {
			if err := db.CreateExternalFlow(ctx, &models.ExternalFlow{FlowHash: flow, Provider: "oidc:corp", StateHash: state,
				Nonce: "n", Next: "/x", CreatedAt: at, ExpiresAt: at.Add(10 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		mk("f1", "s1", acctT0)
		// Concurrent takes: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan *models.ExternalFlow, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if f, err := db.TakeExternalFlow(ctx, "f1", "", acctT0.Add(time.Minute)); err == nil {
					wins <- f
				}
			}()
		}
		wg.Wait()
		close(wins)
		if len(wins) != 1 {
			t.Fatalf("%d takes won", len(wins))
		}
		if f := <-wins; f.Nonce != "n" || f.Next != "/x" || f.StateHash != "s1" {
			t.Fatalf("flow = %+v", f)
		}
		// By state (a cross-site POST without the cookie).
		mk("f2", "s2", acctT0)
		if _, err := db.TakeExternalFlow(ctx, "", "s2", acctT0); err != nil {
			t.Fatal(err)
		}
		// Expired: refused and gone.
		mk("f3", "s3", acctT0)
		if _, err := db.TakeExternalFlow(ctx, "f3", "", acctT0.Add(10*time.Minute)); !errors.Is(err, models.ErrTokenExpired) {
			t.Fatalf("expired flow: %v", err)
		}
		if _, err := db.TakeExternalFlow(ctx, "f3", "", acctT0); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("taken twice: %v", err)
		}
		// Creating a flow prunes expired ones.
		mk("f4", "s4", acctT0)
		mk("f5", "s5", acctT0.Add(time.Hour))
		var n int64
		db.Model(&models.ExternalFlow{}).Count(&n)
		if n != 1 {
			t.Fatalf("%d flows left, want only the fresh one", n)
		}
	})
}
