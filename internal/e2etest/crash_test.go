package e2etest

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// TestCrashKeepsAcknowledgedWrites kills a SQLite server with SIGKILL in the
// middle of a burst of sign-ups (each one a user row, then a session row)
// and restarts it on the same data dir: every sign-up that was
// answered 201 must be there, and the database must pass integrity_check.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	dataDir := t.TempDir()
	srv := startServe(t, "sqlite server", "--data-dir", dataDir, "--auth-rate-limit", "0", "--email-verification", "none")
	srv.waitReady()

	var (
		mu      sync.Mutex
		acked   []string
		failed  atomic.Int64 // answered, but not 201 (must stay 0 before the kill)
		killed  atomic.Bool
		seq     atomic.Int64
		wg      sync.WaitGroup
		workers = 6
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(t)
			for !killed.Load() {
				name := fmt.Sprintf("crash%05d", seq.Add(1))
				r, err := c.try(srv, http.MethodPost, "/api/auth/register", map[string]any{
					"username": name, "email": name + "@example.com", "password1": password, "password2": password})
				switch {
				case err != nil:
					// The connection died with the server: not acknowledged.
				case r.Status == http.StatusCreated:
					mu.Lock()
					acked = append(acked, name)
					mu.Unlock()
				default:
					if !killed.Load() {
						failed.Add(1)
						t.Errorf("%s: status %d: %s", name, r.Status, r.Body)
					}
				}
				// A fresh jar per sign-up: no session carries over.
				c = newClient(t)
			}
		}()
	}
	// Kill once a good number of writes went through, with more in flight.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 {
			break
		}
		if time.Now().After(deadline) || failed.Load() > 0 {
			t.Fatalf("only %d sign-ups acknowledged (%d failed)", n, failed.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	killed.Store(true)
	srv.kill()
	wg.Wait()
	mu.Lock()
	ackedNames := append([]string(nil), acked...)
	mu.Unlock()
	t.Logf("%d sign-ups acknowledged before SIGKILL (%d attempted)", len(ackedNames), seq.Load())

	srv.restart()
	ctx := context.Background()
	db := openDB(t, "sqlite://"+filepath.Join(dataDir, models.DefaultSQLiteFile))
	var check []string
	if err := db.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&check).Error; err != nil {
		t.Fatal(err)
	}
	if len(check) != 1 || check[0] != "ok" {
		t.Fatalf("integrity_check after the crash: %q", check)
	}
	var present []string
	if err := db.WithContext(ctx).Model(&models.User{}).Where("username LIKE 'crash%'").Pluck("username", &present).Error; err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range present {
		have[n] = true
	}
	for _, n := range ackedNames {
		if !have[n] {
			t.Fatalf("sign-up %s was acknowledged (201) but is gone after the crash", n)
		}
	}
	// An acknowledged sign-up also wrote its session (after the user's
	// transaction, before the answer).
	var orphans int64
	if err := db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM users u WHERE u.username IN ?
		AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)`, ackedNames).Scan(&orphans).Error; err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Fatalf("%d acknowledged sign-ups lost their session", orphans)
	}
	// The restarted server serves the data: the last acknowledged user signs in.
	last := ackedNames[len(ackedNames)-1]
	r := newClient(t).do(srv, http.MethodPost, "/api/auth/login", map[string]any{"username": last, "password": password})
	expectStatus(t, "login after restart", r, http.StatusOK)
}
