package e2etest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server/mail/mailpittest"
)

// TestReplicasShareState runs two `gatehouse serve` processes on one fresh
// PostgreSQL database, as behind a load balancer, and checks that what one
// replica does holds on the other: sessions, CSRF, tokens, logout, lockout,
// mail delivery and scheduled job ticks.
func TestReplicasShareState(t *testing.T) {
	dbURL := freshPostgres(t)
	mp := mailpittest.Start(t)
	host, port := mp.SMTPHostPort()
	smtpURL := fmt.Sprintf("smtp://%s:%d?tls=none", host, port)
	args := []string{"--db", dbURL, "--smtp-url", smtpURL, "--email-verification", "none"}

	// Both start at once on an empty database: both run the migrations.
	a := startServe(t, "replica A", append(args, "--data-dir", t.TempDir())...)
	b := startServe(t, "replica B", append(args, "--data-dir", t.TempDir())...)
	a.waitReady()
	b.waitReady()
	db := openDB(t, dbURL)
	ctx := context.Background()

	user, email := uniqueUser("rep")
	browser := newClient(t)

	t.Run("session made on A works on B with CSRF", func(t *testing.T) {
		browser.t = t
		r := browser.do(a, http.MethodPost, "/api/auth/register", map[string]any{
			"username": user, "email": email, "password1": password, "password2": password})
		expectStatus(t, "register on A", r, http.StatusCreated)
		r = browser.do(a, http.MethodPost, "/api/auth/login", map[string]any{"username": user, "password": password})
		expectStatus(t, "login on A", r, http.StatusOK)
		r = browser.do(b, http.MethodGet, "/api/users/self", nil)
		expectStatus(t, "users/self on B", r, http.StatusOK)
		if got := r.json(t)["username"]; got != user {
			t.Fatalf("B sees user %v, want %s", got, user)
		}
		// An unsafe request on B with A's session: CSRF token from A's cookie.
		r = browser.do(b, http.MethodPost, "/api/organizations", map[string]any{"slug": "rep" + randomHex(3), "name": "Replicated"})
		expectStatus(t, "POST organization on B", r, http.StatusCreated)
		// Without the CSRF header B refuses it, so the check really ran.
		saved := browser.cookie(b.URL, "csrftoken")
		browser.headers["X-CSRFToken"] = "wrong" + saved
		r = browser.do(b, http.MethodPost, "/api/organizations", map[string]any{"slug": "rep" + randomHex(3), "name": "Refused"})
		delete(browser.headers, "X-CSRFToken")
		expectStatus(t, "POST with a bad CSRF token on B", r, http.StatusForbidden)
	})

	t.Run("access token made on B works on A", func(t *testing.T) {
		browser.t = t
		r := browser.do(b, http.MethodPost, "/api/auth/access_tokens", map[string]any{"name": "replica test"})
		expectStatus(t, "create token on B", r, http.StatusCreated)
		secret, _ := r.json(t)["value"].(string)
		if secret == "" {
			t.Fatalf("no token value in %s", r.Body)
		}
		api := newClient(t)
		api.headers["Authorization"] = "Bearer " + secret
		r = api.do(a, http.MethodGet, "/api/users/self", nil)
		expectStatus(t, "token on A", r, http.StatusOK)
		if got := r.json(t)["username"]; got != user {
			t.Fatalf("token on A is user %v, want %s", got, user)
		}
	})

	t.Run("logout on A ends the session on B within the cache window", func(t *testing.T) {
		browser.t = t
		sid := browser.cookie(a.URL, "sessionid")
		if sid == "" {
			t.Fatal("no session cookie")
		}
		onB := func() int {
			req, _ := http.NewRequest(http.MethodGet, b.URL+"/api/users/self", nil)
			req.Header.Set("Cookie", "sessionid="+sid)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = res.Body.Close()
			return res.StatusCode
		}
		if s := onB(); s != http.StatusOK { // B now holds the session in its cache
			t.Fatalf("before logout B answers %d", s)
		}
		r := browser.do(a, http.MethodPost, "/api/auth/logout", nil)
		expectStatus(t, "logout on A", r, http.StatusOK)
		took := eventually(t, 3*time.Second, "session revoked on B", func() bool { return onB() == http.StatusUnauthorized })
		t.Logf("B stopped accepting the session %s after the logout on A", took.Round(time.Millisecond))
		if took > 2*time.Second {
			t.Fatalf("B accepted the revoked session for %s (cache TTL is 1 s)", took)
		}
	})

	t.Run("mail queued on A is sent exactly once", func(t *testing.T) {
		// Each reset request queues one mail; both replicas' workers poll
		// the same queue.
		var recipients []string
		for i := 0; i < 4; i++ {
			name, addr := uniqueUser("mail")
			c := newClient(t)
			r := c.do(b, http.MethodPost, "/api/auth/register", map[string]any{
				"username": name, "email": addr, "password1": password, "password2": password})
			expectStatus(t, "register", r, http.StatusCreated)
			recipients = append(recipients, addr)
		}
		anon := newClient(t)
		for _, addr := range recipients {
			r := anon.do(a, http.MethodPost, "/api/auth/password/reset", map[string]any{"email": addr})
			expectStatus(t, "password reset on A", r, http.StatusOK)
		}
		eventually(t, 20*time.Second, "every mail marked sent", func() bool {
			var pending int64
			if err := db.WithContext(ctx).Model(&models.MailMessage{}).
				Where("to_addr IN ? AND status <> ?", recipients, models.MailSent).Count(&pending).Error; err != nil {
				t.Fatal(err)
			}
			return pending == 0
		})
		// Let both workers take another pass before counting deliveries.
		time.Sleep(1500 * time.Millisecond)
		for _, addr := range recipients {
			var rows []models.MailMessage
			if err := db.WithContext(ctx).Where("to_addr = ?", addr).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].Status != models.MailSent {
				t.Fatalf("queue rows for %s: %+v, want one sent row", addr, rows)
			}
			got, err := mp.SearchTo(ctx, addr)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("Mailpit holds %d messages for %s, want exactly 1", len(got), addr)
			}
		}
	})

	t.Run("cron tick runs once across replicas", func(t *testing.T) {
		// Each replica's host runs the job for the same ticks at the same
		// time, as a system cron (or the in-process scheduler) would.
		ticks := []time.Time{
			time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC),
			time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC),
		}
		for _, tick := range ticks {
			var wg sync.WaitGroup
			outs := make([]string, 2)
			for i := range outs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					code, out := runCLI(t, "jobs", "run", "sessions-prune", "--once", "--at", tick.Format(time.RFC3339),
						"--db", dbURL, "--data-dir", t.TempDir(), "--log-level", "warn")
					if code != 0 {
						t.Errorf("jobs run exited %d: %s", code, out)
					}
					outs[i] = out
				}(i)
			}
			wg.Wait()
			ran := 0
			for _, out := range outs {
				switch {
				case strings.Contains(out, "ran for the tick of"):
					ran++
				case strings.Contains(out, "already ran; skipped"):
				default:
					t.Fatalf("unexpected output: %s", out)
				}
			}
			if ran != 1 {
				t.Fatalf("tick %s ran %d times: %q", tick, ran, outs)
			}
			var n int64
			if err := db.WithContext(ctx).Model(&models.CronRun{}).
				Where("job = ? AND tick_at = ?", "sessions-prune", tick).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%d cron_runs rows for tick %s, want 1", n, tick)
			}
		}
	})

	// Last: five failures from this address lock sign-in for 15 minutes.
	t.Run("lockout counts failures on both replicas", func(t *testing.T) {
		c := newClient(t)
		for i, r := range []*replica{a, b, a, b, a} {
			res := c.do(r, http.MethodPost, "/api/auth/login", map[string]any{"username": user, "password": "wrong-" + password})
			expectStatus(t, fmt.Sprintf("failure %d on %s", i+1, r.name), res, http.StatusBadRequest)
		}
		for _, r := range []*replica{b, a} {
			res := c.do(r, http.MethodPost, "/api/auth/login", map[string]any{"username": user, "password": password})
			expectStatus(t, "right password after 5 failures on "+r.name, res, http.StatusTooManyRequests)
			if res.Header.Get("Retry-After") == "" {
				t.Fatalf("%s: 429 without Retry-After", r.name)
			}
		}
	})
}
