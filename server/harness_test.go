package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatehouse/gatehouse/clock"
	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// testUI is a small stand-in for ui/dist with the same shape as a Vite build.
var testUI = fstest.MapFS{
	"index.html":             {Data: []byte(`<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div>` + strings.Repeat("<!-- padding so the page is worth compressing -->\n", 20) + `</body></html>`)},
	"assets/index-abc123.js": {Data: []byte(`console.log("app")`)},
	"favicon.svg":            {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
}

// testServer is a real server on a random loopback port over a temp database.
type testServer struct {
	t      *testing.T
	srv    *Server
	db     *models.DB
	clock  *clock.Fake
	URL    string
	client *http.Client
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerDB(t, modelstest.Open(t))
}

func newTestServerDB(t *testing.T, db *models.DB) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	clk := clock.NewFake(time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC))
	srv, err := New(Config{BaseURL: base, Version: "test", UI: testUI},
		Deps{DB: db, Clock: clk, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	ts := &testServer{t: t, srv: srv, db: db, clock: clk, URL: base, client: &http.Client{Timeout: 30 * time.Second}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return ts
}

// response is a finished HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

func (ts *testServer) do(method, path string, body []byte, headers map[string]string) response {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := ts.client.Do(req)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ts.t.Fatalf("read body: %v", err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}
