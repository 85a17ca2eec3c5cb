package server

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

func TestRoutes(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		contains    string
		header      map[string]string
	}{
		{"healthz", "GET", "/healthz", 200, "application/json", `"ok"`, nil},
		{"readyz", "GET", "/readyz", 200, "application/json", `"database"`, nil},
		{"about", "GET", "/api/server/about", 200, "application/json", `"version":"test"`, nil},
		{"spa root", "GET", "/", 200, "text/html", `<div id="root">`, map[string]string{"Cache-Control": "no-cache"}},
		{"spa deep link", "GET", "/organizations/acme/members", 200, "text/html", `<div id="root">`, nil},
		{"spa auth route", "GET", "/auth/login?next=/profile", 200, "text/html", `<div id="root">`, nil},
		{"hashed asset", "GET", "/assets/index-abc123.js", 200, "javascript", `console.log`, map[string]string{"Cache-Control": "public, max-age=31536000, immutable"}},
		{"missing asset is not html", "GET", "/assets/missing-123.js", 404, "text/plain", "Not found", nil},
		{"unknown api path is json", "GET", "/api/nothing/here", 404, "application/json", `{"detail":"Not found."}`, nil},
		{"unknown api path post", "POST", "/api/nothing", 404, "application/json", `"detail"`, nil},
		{"api root", "GET", "/api", 404, "application/json", `"detail"`, nil},
		{"spa refuses post", "POST", "/organizations", 405, "application/json", `"detail"`, nil},
		{"path traversal stays in the SPA", "GET", "/../../etc/passwd", 200, "text/html", `<div id="root">`, nil},
		{"encoded traversal", "GET", "/assets/..%2f..%2fmain.go", 404, "text/plain", "Not found", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := ts.do(tc.method, tc.path, nil, nil)
			if res.Status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", res.Status, tc.status, res.Body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, tc.contentType) {
				t.Errorf("content type = %q, want %q", ct, tc.contentType)
			}
			if !bytes.Contains(res.Body, []byte(tc.contains)) {
				t.Errorf("body %q does not contain %q", res.Body, tc.contains)
			}
			for k, v := range tc.header {
				if got := res.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	seen := map[string]bool{}
	for _, path := range []string{"/", "/api/server/about", "/api/missing", "/api/server/about"} {
		res := ts.do("GET", path, nil, nil)
		want := map[string]string{
			"X-Frame-Options":            "DENY",
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "strict-origin-when-cross-origin",
			"Cross-Origin-Opener-Policy": "same-origin",
			"Permissions-Policy":         "camera=(), microphone=(), geolocation=()",
			"Content-Security-Policy":    contentSecurityPolicy,
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS must not be sent over plain http", path)
		}
		id := res.Header.Get("X-Request-Id")
		if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id) || seen[id] {
			t.Errorf("%s: request id %q: want 24 new hex digits", path, id)
		}
		seen[id] = true
	}
	// A client's own sane id is kept; a hostile one is replaced.
	for sent, kept := range map[string]bool{"trace-42.a_b": true, "bad id with spaces": false, strings.Repeat("a", 65): false} {
		got := ts.do("GET", "/api/server/about", nil, map[string]string{"X-Request-ID": sent}).Header.Get("X-Request-Id")
		if (got == sent) != kept || got == "" {
			t.Errorf("sent request id %q, got %q (kept want %v)", sent, got, kept)
		}
	}
}

func TestHSTSOnHTTPS(t *testing.T) {
	srv, err := New(Config{BaseURL: "https://gatehouse.example.com", UI: testUI},
		Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.App().Test(httptestRequest("GET", "/healthz"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Fatalf("HSTS = %q", got)
	}
}

func TestETagAndGzip(t *testing.T) {
	ts := newTestServer(t)
	first := ts.do("GET", "/", nil, nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on index.html")
	}
	again := ts.do("GET", "/", nil, map[string]string{"If-None-Match": etag})
	if again.Status != 304 {
		t.Fatalf("conditional GET status = %d, want 304", again.Status)
	}
	gz := ts.do("GET", "/", nil, map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", gz.Header.Get("Content-Encoding"))
	}
}

func TestPanicIsA500WithoutStack(t *testing.T) {
	db := modelstest.Open(t)
	var logs bytes.Buffer
	srv, err := New(Config{BaseURL: "http://127.0.0.1", UI: testUI, extraRoutes: func(api fiber.Router) {
		api.Get("/test/panic", func(c *fiber.Ctx) error { panic("boom in handler") })
	}}, Deps{DB: db, Clock: clock.System{}, Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.App().Test(httptestRequest("GET", "/api/test/panic"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 500 || string(body) != `{"detail":"Internal server error."}` {
		t.Fatalf("got %d %s", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "boom in handler") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("the panic and its stack must be logged, got %s", logs.String())
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t)
	for range 3 {
		ts.do("GET", "/api/server/about", nil, nil)
	}
	ts.do("GET", "/api/missing", nil, nil)
	res := ts.do("GET", "/metrics", nil, nil)
	if res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	for _, want := range []string{
		`gatehouse_http_requests_total{method="GET",route="/api/server/about",status="200"} 3`,
		`gatehouse_http_request_duration_seconds_count{method="GET",route="/api/server/about"} 3`,
		`status="404"`,
		`gatehouse_http_request_duration_seconds_bucket`,
		`go_goroutines`,
		`go_sql_open_connections`,
	} {
		if !bytes.Contains(res.Body, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestReadyzWhenDatabaseIsGone(t *testing.T) {
	db := modelstest.Open(t)
	ts := newTestServerDB(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	res := ts.do("GET", "/readyz", nil, nil)
	if res.Status != 503 {
		t.Fatalf("status = %d, want 503", res.Status)
	}
	if healthz := ts.do("GET", "/healthz", nil, nil); healthz.Status != 200 {
		t.Fatalf("healthz = %d, want 200 (the process is alive)", healthz.Status)
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	release := make(chan struct{})
	srv, err := New(Config{BaseURL: "http://127.0.0.1", UI: testUI, extraRoutes: func(api fiber.Router) {
		api.Get("/test/slow", func(c *fiber.Ctx) error {
			<-release
			return c.SendString("done")
		})
	}}, Deps{DB: modelstest.Open(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := httpGet("http://" + ln.Addr().String() + "/api/test/slow")
		got <- result{res.status, res.body, err}
	}()
	time.Sleep(100 * time.Millisecond) // let the request reach the handler
	shutdownDone := make(chan error, 1)
	go func() { shutdownDone <- srv.Shutdown(t.Context()) }()
	time.Sleep(50 * time.Millisecond)
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "done" {
		t.Fatalf("in-flight request: %d %q %v", r.status, r.body, r.err)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
