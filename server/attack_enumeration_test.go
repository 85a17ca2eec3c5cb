package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/auth"
	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// newProductionHashEnv is an accounts env with production-cost password hashing, for
// the timing tests.
func newProductionHashEnv(t *testing.T) *accountsEnv {
	t.Helper()
	db := modelstest.Open(t)
	clk := clock.NewFake(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := New(Config{BaseURL: base, Version: "test", UI: testUI},
		Deps{DB: db, Clock: clk, Logger: log, Hasher: auth.NewHasher(auth.DefaultParams, 2)})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	env := &accountsEnv{}
	env.testServer = &testServer{t: t, srv: srv, db: db, clock: clk, URL: base, client: &http.Client{Timeout: 30 * time.Second}}
	return env
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestAttackUserEnumeration: an existing and a missing account get the same
// status and body, and the missing one is not answered measurably faster
// (it pays the password hash too). Medians over interleaved tries, with a
// generous bound: the check is that the expensive step is not skipped,
// which a 2x margin shows even on a busy machine.
func TestAttackUserEnumeration(t *testing.T) {
	env := newProductionHashEnv(t)
	_, name, email := env.registerUser("enum")
	measure := func(t *testing.T, path string, body func(existing bool) map[string]any, after func()) {
		// Sign-ins take ~40 ms: more tries keep their medians steady on a
		// busy machine. The other two answer after a 250 ms floor.
		tries := 9
		if path == "/api/auth/login" {
			tries = 25
		}
		var times [2][]time.Duration
		var answers [2]string
		for i := 0; i < tries; i++ {
			for _, existing := range []bool{true, false} {
				b := env.browser()
				start := time.Now()
				r := b.do("POST", path, body(existing))
				d := time.Since(start)
				idx := 0
				if !existing {
					idx = 1
				}
				times[idx] = append(times[idx], d)
				ans := strconv.Itoa(r.Status) + " " + string(r.Body)
				if answers[idx] == "" {
					answers[idx] = ans
				} else if answers[idx] != ans {
					t.Fatalf("answers vary between tries: %q then %q", answers[idx], ans)
				}
				after()
			}
		}
		if answers[0] != answers[1] {
			t.Fatalf("existing account: %s\nmissing account:  %s", answers[0], answers[1])
		}
		known, unknown := median(times[0]), median(times[1])
		t.Logf("%s: median existing %v, missing %v", path, known, unknown)
		if unknown < known/2 {
			t.Fatalf("%s: a missing account answers in %v, an existing one in %v: timing tells them apart", path, unknown, known)
		}
	}
	t.Run("login", func(t *testing.T) {
		measure(t, "/api/auth/login", func(existing bool) map[string]any {
			login := name
			if !existing {
				login = "no-such-" + name
			}
			return map[string]any{"username": login, "password": "Not-The-Password-1"}
		}, func() { env.clock.Advance(lockoutWindow + time.Second) })
	})
	t.Run("password reset", func(t *testing.T) {
		measure(t, "/api/auth/password/reset", func(existing bool) map[string]any {
			addr := email
			if !existing {
				addr = "no-such-" + email
			}
			return map[string]any{"email": addr}
		}, func() { env.clock.Advance(time.Hour + time.Second) })
	})
	t.Run("confirmation resend", func(t *testing.T) {
		measure(t, "/api/auth/account-confirm-email/resend", func(existing bool) map[string]any {
			addr := email
			if !existing {
				addr = "no-such-" + email
			}
			return map[string]any{"email": addr}
		}, func() { env.clock.Advance(time.Hour + time.Second) })
	})
}
