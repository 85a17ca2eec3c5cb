package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models/modelstest"
	"github.com/gatehouse/gatehouse/policies"
)

// TestServesBeforePoliciesAreCompiled: with PoliciesLater the server answers
// /healthz at once, /readyz says 503 until the engine arrives, and a request
// that needs a decision waits for it instead of failing.
func TestServesBeforePoliciesAreCompiled(t *testing.T) {
	later := make(chan PoliciesResult, 1)
	srv, err := New(Config{BaseURL: "http://127.0.0.1", UI: testUI},
		Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), PoliciesLater: later})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	base := "http://" + ln.Addr().String()

	if r, err := httpGet(base + "/healthz"); err != nil || r.status != 200 {
		t.Fatalf("healthz before policies: %v %v", r, err)
	}
	if r, err := httpGet(base + "/readyz"); err != nil || r.status != 503 {
		t.Fatalf("readyz before policies: %v %v, want 503", r, err)
	}
	got := make(chan getResult, 1)
	go func() {
		r, _ := httpGet(base + "/api/auth/rules")
		got <- r
	}()
	select {
	case r := <-got:
		t.Fatalf("a decision was answered before the policies were ready: %v", r)
	case <-time.After(100 * time.Millisecond):
	}
	eng, err := policies.New(context.Background(), policies.Options{})
	if err != nil {
		t.Fatal(err)
	}
	later <- PoliciesResult{Engine: eng}
	if r := <-got; r.status != 200 {
		t.Fatalf("rules after policies: %v", r)
	}
	if r, err := httpGet(base + "/readyz"); err != nil || r.status != 200 {
		t.Fatalf("readyz after policies: %v %v", r, err)
	}
}
