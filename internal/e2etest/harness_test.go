// Package e2etest runs the real gatehouse binary as separate processes:
// several replicas on one PostgreSQL database, a server killed mid-write.
// The binary is built once per test run, on first use.
package e2etest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

// The gatehouse executable under test: built on first use into a temp dir
// that TestMain removes, or GATEHOUSE_E2E_BIN when set.
var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// gatehouseBinary returns the path of the binary, building it once.
func gatehouseBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if prebuilt := os.Getenv("GATEHOUSE_E2E_BIN"); prebuilt != "" {
			binary = prebuilt
			return
		}
		buildDir, buildErr = os.MkdirTemp("", "gatehouse-e2e-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(buildDir, "gatehouse")
		start := time.Now()
		build := exec.Command("go", "build", "-o", binary, "github.com/gatehouse/gatehouse")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		t.Logf("built %s in %s", binary, time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// logBuffer collects a process's output for failure messages.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// replica is one `gatehouse serve` process.
type replica struct {
	t      *testing.T
	name   string
	URL    string
	args   []string
	cmd    *exec.Cmd
	log    *logBuffer
	exited chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startServe starts `gatehouse serve` with args on a free loopback port; it
// is killed when the test ends. Call waitReady before using it.
func startServe(t *testing.T, name string, args ...string) *replica {
	t.Helper()
	addr := freeAddr(t)
	r := &replica{t: t, name: name, URL: "http://" + addr, log: &logBuffer{}}
	r.args = append([]string{"serve", "--http", addr, "--log-format", "text", "--access-log=false"}, args...)
	r.start()
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *replica) start() {
	r.t.Helper()
	r.cmd = exec.Command(gatehouseBinary(r.t), r.args...)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	r.cmd.Env = append(os.Environ(), "GATEHOUSE_BASE_URL=")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("%s: start: %v", r.name, err)
	}
	r.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, ch chan error) { ch <- cmd.Wait() }(r.cmd, r.exited)
}

// stop ends the process gracefully (SIGTERM), killing it after 20 s.
func (r *replica) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	r.cmd = nil
}

// kill ends the process with SIGKILL: no shutdown code runs.
func (r *replica) kill() {
	r.t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		r.t.Fatalf("%s: kill: %v", r.name, err)
	}
	<-r.exited
	r.cmd = nil
}

// restart starts the same command line again (same port and data).
func (r *replica) restart() {
	r.t.Helper()
	r.start()
	r.waitReady()
}

// waitReady polls /readyz until it answers 200.
func (r *replica) waitReady() {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(r.URL + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-r.exited:
			r.exited <- err
			r.t.Fatalf("%s exited before it was ready: %v\n%s", r.name, err, r.log.String())
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s not ready after 60 s: %v\n%s", r.name, err, r.log.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// client talks to any replica with one cookie jar, like a browser behind a
// load balancer (cookies do not depend on the port).
type client struct {
	t       *testing.T
	http    *http.Client
	headers map[string]string
}

func newClient(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		headers: map[string]string{}}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

func (c *client) cookie(base, name string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// do sends a request to replica r; unsafe methods carry the CSRF header from
// the cookie and an Origin of the replica, as the SPA does.
func (c *client) do(r *replica, method, path string, body any) response {
	c.t.Helper()
	res, err := c.try(r, method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	return res
}

func (c *client) try(r *replica, method, path string, body any) (response, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, r.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", r.URL)
		if tok := c.cookie(r.URL, "csrftoken"); tok != "" {
			req.Header.Set("X-CSRFToken", tok)
		}
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}, nil
}

func expectStatus(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body: %s", what, r.Status, status, r.Body)
	}
}

// runCLI runs the binary once with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(gatehouseBinary(t), args...)
	cmd.Env = append(os.Environ(), "GATEHOUSE_BASE_URL=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("run %v: %v", args, err)
	}
	return 0, string(out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freshPostgres creates a new database on the GATEHOUSE_TEST_PG server
// (skipping the test when it is unset) and drops it when the test ends. It
// returns the database's URL.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := modelstest.PostgresURL()
	if base == "" {
		t.Skipf("%s is not set", modelstest.EnvPostgres)
	}
	ctx := context.Background()
	admin, err := models.Open(ctx, models.Options{URL: base, MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("open %s: %v", modelstest.EnvPostgres, err)
	}
	name := "gh_e2e_" + randomHex(6)
	if err := admin.WithContext(ctx).Exec("CREATE DATABASE " + name).Error; err != nil {
		_ = admin.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.WithContext(dctx).Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// openDB opens the database at dbURL (no migration) for assertions.
func openDB(t *testing.T, dbURL string) *models.DB {
	t.Helper()
	db, err := models.Open(context.Background(), models.Options{URL: dbURL, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// eventually polls cond every 20 ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not true after %s", what, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func uniqueUser(prefix string) (string, string) {
	name := prefix + strings.ToLower(randomHex(4))
	return name, name + "@example.com"
}

const password = "Tangerine-Lighthouse-42"
