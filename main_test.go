package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/server/mail/mailpittest"
)

// runCLI runs one command line in-process.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestCLIUsageErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "Usage: gatehouse <command>"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown flag", []string{"serve", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"bad listen address", []string{"serve", "--http", "nonsense"}, 2, `--http "nonsense"`},
		{"bad log level", []string{"migrate", "--log-level", "loud", "--data-dir", dir}, 2, `--log-level "loud"`},
		{"bad verification mode", []string{"serve", "--email-verification", "sometimes"}, 2, `--email-verification "sometimes"`},
		{"bad trusted proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8,lb.local"}, 2, `--trusted-proxies: "lb.local" is neither an IP address nor a CIDR range`},
		{"bad db scheme", []string{"migrate", "--db", "mysql://localhost/x"}, 1, `--db: unsupported database "mysql"`},
		{"bad postgres URL", []string{"migrate", "--db", "postgres://"}, 1, "--db: the postgres URL has no host"},
		{"unreachable postgres", []string{"migrate", "--db", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"}, 1, "open postgres database postgres://u:xxxxx@127.0.0.1:1/db"},
		{"data dir under a file", []string{"migrate", "--data-dir", filepath.Join(notDir, "sub")}, 1, "data dir " + filepath.Join(notDir, "sub") + " cannot be created"},
		{"bad smtp url", []string{"migrate", "--data-dir", dir, "--smtp-url", "ftp://x"}, 1, "mail settings"},
		{"jobs without subcommand", []string{"jobs"}, 2, "want a subcommand"},
		{"jobs run unknown", []string{"jobs", "run", "nope", "--data-dir", dir}, 1, "nope"},
		{"jobs run bad time", []string{"jobs", "run", "mail-prune", "--at", "yesterday"}, 2, `--at "yesterday"`},
		{"admin create missing flags", []string{"admin", "create"}, 2, "--username is required"},
		{"send-test-mail without --to", []string{"admin", "send-test-mail"}, 2, "--to is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d; output:\n%s%s\nwant %q", code, tc.code, out, errOut, tc.want)
			}
			if strings.Contains(errOut, "secret") {
				t.Fatalf("a password leaked into the output: %s", errOut)
			}
		})
	}
}

func TestVersionAndMigrate(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "gatehouse ") {
		t.Fatalf("version: %d %q", code, out)
	}
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "", "migrate", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, models.SchemaVersion()) {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, models.DefaultSQLiteFile)); err != nil {
		t.Fatalf("no database file: %v", err)
	}
}

func TestAdminCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "Quartz-Meadow-Lantern-3\n", "admin", "create", "--data-dir", dir, "--username", "rootuser", "--email", "root@example.com")
	if code != 0 || !strings.Contains(out, "created admin rootuser") {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "Quartz-Meadow-Lantern-3\n", "admin", "create", "--data-dir", dir, "--username", "ROOTUSER", "--email", "other@example.com")
	if code != 1 || !strings.Contains(errOut, "--username: a user with that username already exists") {
		t.Fatalf("duplicate: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "12345678\n", "admin", "create", "--data-dir", dir, "--username", "weakling", "--email", "weak@example.com")
	if code != 1 || !strings.Contains(errOut, "entirely numeric") {
		t.Fatalf("weak password: %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "admin", "set-role", "--data-dir", dir, "--username", "rootuser", "--role", "worker")
	if code != 1 || !strings.Contains(errOut, "last admin") {
		t.Fatalf("demote last admin: %d %s", code, errOut)
	}
	runCLI(t, "Quartz-Meadow-Lantern-4\n", "admin", "create", "--data-dir", dir, "--username", "second", "--email", "second@example.com", "--role", "user")
	code, out, errOut = runCLI(t, "", "admin", "set-role", "--data-dir", dir, "--username", "second@example.com", "--role", "admin")
	if code != 0 || !strings.Contains(out, "second is now admin") {
		t.Fatalf("set-role: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "Different-Sunset-Pass-5\n", "admin", "reset-password", "--data-dir", dir, "--username", "second")
	if code != 0 || !strings.Contains(out, "password of second changed") {
		t.Fatalf("reset-password: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "admin", "set-role", "--data-dir", dir, "--username", "nobody", "--role", "user")
	if code != 1 || !strings.Contains(errOut, `no user "nobody"`) {
		t.Fatalf("unknown user: %d %s", code, errOut)
	}

	// Each change made (and only those) is in the audit log, marked as
	// coming from the command line.
	db, err := models.Open(t.Context(), models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var evs []models.AuditEvent
	if err := db.Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		if ev.IP != "cli" || !strings.Contains(ev.Detail, `"via":"cli"`) || ev.ActorID != nil {
			t.Errorf("audit row %+v: want IP cli, via cli, no actor", ev)
		}
		got = append(got, ev.Event+" "+ev.TargetID)
	}
	want := []string{"user.created 1", "user.created 2", "user.role_changed 2", "auth.password_reset 2"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("audit log after the admin commands: %v, want %v", got, want)
	}
	if !strings.Contains(evs[2].Detail, `"from":"user"`) || !strings.Contains(evs[2].Detail, `"to":"admin"`) {
		t.Fatalf("role change detail %s", evs[2].Detail)
	}
}

func TestJobsCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "", "jobs", "list", "--data-dir", dir)
	for _, name := range []string{"mail-prune", "cron-prune", "sessions-prune"} {
		if code != 0 || !strings.Contains(out, name) {
			t.Fatalf("jobs list lacks %s: %d %s", name, code, out)
		}
	}
	code, out, errOut := runCLI(t, "", "jobs", "run", "mail-prune", "--data-dir", dir, "--at", "2026-12-01T03:17:00Z")
	if code != 0 || !strings.Contains(out, "job mail-prune ran as of 2026-12-01T03:17:00Z") {
		t.Fatalf("jobs run: %d %s %s", code, out, errOut)
	}
}

func TestSendTestMail(t *testing.T) {
	mp := mailpittest.Start(t)
	host, port := mp.SMTPHostPort()
	dir := t.TempDir()
	to := fmt.Sprintf("cli-%d@example.com", time.Now().UnixNano())
	code, out, errOut := runCLI(t, "", "admin", "send-test-mail", "--data-dir", dir, "--smtp-url", fmt.Sprintf("smtp://%s:%d?tls=none", host, port), "--to", to)
	if code != 0 || !strings.Contains(out, "test mail sent to "+to) {
		t.Fatalf("send: %d %s %s", code, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := mp.WaitFor(ctx, to, 1); err != nil {
		t.Fatal(err)
	}
	// A refusing server gives one clear line.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	ln.Close()
	code, _, errOut = runCLI(t, "", "admin", "send-test-mail", "--data-dir", dir, "--smtp-url", "smtp://"+closed+"?tls=none", "--to", to)
	if code != 1 || !strings.Contains(errOut, "connection refused") {
		t.Fatalf("refused: %d %s", code, errOut)
	}
	// Without SMTP the mail goes to the outbox.
	code, out, _ = runCLI(t, "", "admin", "send-test-mail", "--data-dir", dir, "--to", to)
	if code != 0 || !strings.Contains(out, "outbox") {
		t.Fatalf("outbox: %d %s", code, out)
	}
}

func TestServeStartsAndStopsGracefully(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--http", addr, "--data-dir", t.TempDir(), "--access-log=false"}, stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &syncBuf{b: &errb}})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("SPA: %v %v", err, res)
	}
	res.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errb.String(), "/auth/setup?token=") {
		t.Fatal("no first-admin setup link printed")
	}
}
