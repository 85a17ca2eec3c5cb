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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// TestBackupDuringWritesAndRestore backs up a database while other
// connections keep writing, checks the copy, restores it into an empty data
// dir and signs in on a server started on the restored data.
func TestBackupDuringWritesAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const pw = "Quartz-Meadow-Lantern-3"
	if code, out, errOut := runCLI(t, pw+"\n", "admin", "create", "--data-dir", dir, "--username", "keeper", "--email", "keeper@example.com"); code != 0 {
		t.Fatalf("admin create: %d %s %s", code, out, errOut)
	}

	// A separate pool writes users in a burst, as a running server would.
	writer, err := models.Open(ctx, models.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	var (
		mu    sync.Mutex
		acked []string // usernames whose insert committed, in order
		stop  atomic.Bool
		wg    sync.WaitGroup
		seq   atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				name := fmt.Sprintf("burst%05d", seq.Add(1))
				u := &models.User{Username: name, Email: name + "@example.com", Role: models.RoleUser, IsActive: true,
					DateJoined: time.Now().UTC(), PasswordChangedAt: time.Now().UTC()}
				if err := writer.CreateUser(ctx, u); err != nil {
					t.Errorf("write %s: %v", name, err)
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}()
	}
	waitFor := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d writes in 30 s", got)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(50)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "nightly", "gatehouse-backup.db")
	code, out, errOut := runCLI(t, "", "backup", "--data-dir", dir, backup)
	mu.Lock()
	duringBackup := len(acked) - len(before)
	mu.Unlock()
	stop.Store(true)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "written to "+backup) || !strings.Contains(out, "integrity ok") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	t.Logf("backup: %s(%d writes committed while it ran)", out, duringBackup)

	facts, err := checkSQLiteFile(ctx, backup)
	if err != nil {
		t.Fatalf("the copy does not pass the check: %v", err)
	}
	copyDB, err := models.Open(ctx, models.Options{URL: "sqlite://" + backup})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := copyDB.WithContext(ctx).Model(&models.User{}).Where("username LIKE 'burst%'").Pluck("username", &names).Error; err != nil {
		t.Fatal(err)
	}
	_ = copyDB.Close()
	inCopy := map[string]bool{}
	for _, n := range names {
		inCopy[n] = true
	}
	for _, n := range before {
		if !inCopy[n] {
			t.Fatalf("%s was committed before the backup started but is missing from the copy", n)
		}
	}
	if facts.users != int64(len(names))+1 {
		t.Fatalf("copy has %d users, want %d burst users + the admin", facts.users, len(names))
	}

	// The backup is a file of its own: restoring it into an empty data dir
	// gives a working server.
	restored := filepath.Join(t.TempDir(), "restored")
	code, out, errOut = runCLI(t, "", "restore", "--data-dir", restored, backup)
	if code != 0 || !strings.Contains(out, "restored "+backup) {
		t.Fatalf("restore: %d %s %s", code, out, errOut)
	}
	addr := freeLoopbackAddr(t)
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(sctx, []string{"serve", "--http", addr, "--data-dir", restored, "--access-log=false"},
			stdio{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &syncBuf{b: &logs}})
	}()
	defer func() {
		cancel()
		<-done
	}()
	waitReady(t, "http://"+addr)
	res, err := http.Post("http://"+addr+"/api/auth/login", "application/json",
		strings.NewReader(`{"username":"keeper","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login on the restored data: %d", res.StatusCode)
	}
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	if code, out, errOut := runCLI(t, "", "migrate", "--data-dir", src); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	good := filepath.Join(t.TempDir(), "good.db")
	if code, out, errOut := runCLI(t, "", "backup", "--data-dir", src, good); code != 0 {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notSQLite := write("notes.txt", []byte("just some text, not a database at all"))
	// Scribble over the middle of the file: the header still says SQLite.
	damaged := append([]byte(nil), raw...)
	for i := 4096 * 3; i < 4096*3+2048 && i < len(damaged); i++ {
		damaged[i] = 0xA5
	}
	corrupt := write("corrupt.db", damaged)
	foreign := filepath.Join(files, "foreign.db")
	fdb, err := models.Open(ctx, models.Options{URL: "sqlite://" + foreign})
	if err != nil {
		t.Fatal(err)
	}
	if err := fdb.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	_ = fdb.Close()

	// A server's open database has its write-ahead log beside it.
	live, err := models.Open(ctx, models.Options{DataDir: src})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if err := live.Exec("UPDATE users SET first_name = first_name").Error; err != nil {
		t.Fatal(err)
	}

	dirWith := func(names ...string) string {
		d := t.TempDir()
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(d, n), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	tests := []struct {
		name    string
		dataDir string
		file    string
		want    string
	}{
		{"data dir holds a database", dirWith("gatehouse.db"), good, "already exists"},
		{"database of a running server", dirWith("gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm"), good, "stop the server"},
		{"data dir holds other files", dirWith("saml-sp.key"), good, "is not empty (saml-sp.key)"},
		{"not a SQLite file", "", notSQLite, "is not a SQLite database"},
		{"damaged file", "", corrupt, "refusing to restore"},
		{"not a Gatehouse database", "", foreign, "not a Gatehouse database"},
		{"missing file", "", filepath.Join(files, "nope.db"), "nope.db"},
		{"live database file", "", filepath.Join(src, "gatehouse.db"), "write-ahead log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dataDir := tc.dataDir
			if dataDir == "" {
				dataDir = filepath.Join(t.TempDir(), "fresh")
			}
			before, _ := os.ReadDir(dataDir)
			code, out, errOut := runCLI(t, "", "restore", "--data-dir", dataDir, tc.file)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, want 1; output %s%s; want %q", code, out, errOut, tc.want)
			}
			after, _ := os.ReadDir(dataDir)
			if len(after) != len(before) {
				t.Fatalf("the data dir changed: %d entries before, %d after", len(before), len(after))
			}
		})
	}
}

func TestBackupCommandLine(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "migrate", "--data-dir", dir); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, errOut)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		want     string
		mustNot  string
		outputOf string // "out" or "err"
	}{
		{"no file", []string{"backup"}, 2, "want one argument", "", "err"},
		{"no database", []string{"backup", "--data-dir", filepath.Join(dir, "empty"), filepath.Join(dir, "b.db")}, 1, "no database at", "", "err"},
		{"never overwrites", []string{"backup", "--data-dir", dir, existing}, 1, "already exists", "", "err"},
		{"postgres prints pg_dump", []string{"backup", "--db", "postgres://ops:Sup3rSecret@db.internal:6543/gatehouse?sslmode=require", "/backups/gh.dump"}, 0,
			"PGSSLMODE=require pg_dump --format=custom --host db.internal --port 6543 --username ops --dbname gatehouse --file /backups/gh.dump", "Sup3rSecret", "out"},
		{"postgres default port", []string{"backup", "--db", "postgresql://ops@10.0.0.5/gh", "gh.dump"}, 0, "--host 10.0.0.5 --port 5432 --username ops --dbname gh", "", "out"},
		{"restore on postgres names pg_restore", []string{"restore", "--db", "postgres://ops:Sup3rSecret@db.internal/gatehouse", "gh.dump"}, 1, "pg_restore --no-owner --host db.internal", "Sup3rSecret", "err"},
		{"restore needs a file", []string{"restore", "--data-dir", dir}, 2, "want one argument", "", "err"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			text := errOut
			if tc.outputOf == "out" {
				text = out
			}
			if code != tc.code || !strings.Contains(text, tc.want) {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q; want %q", code, tc.code, out, errOut, tc.want)
			}
			if tc.mustNot != "" && strings.Contains(out+errOut, tc.mustNot) {
				t.Fatalf("output leaks %q: %s%s", tc.mustNot, out, errOut)
			}
		})
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server at %s not ready: %v", base, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
