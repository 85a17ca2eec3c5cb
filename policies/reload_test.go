package policies

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// A global worker may not create organizations (organizations.csv); the
// override below lets them.
const workerCreatesOrgs = `package organizations

import data.utils

scopes := {"create", "list", "view", "update", "delete"}

default allow := false

allow if utils.is_admin

allow if {
	input.scope == "create"
	utils.has_privilege("worker")
}

allow if input.scope == "list"

filter := [[]]

reasons := {"overridden"} if not allow
`

// It comes with its own test, which replaces the embedded one.
const workerCreatesOrgsTest = `package organizations_test

import data.organizations

test_worker_creates if {
	organizations.allow with input as {"scope": "create", "auth": {"user": {"id": 1, "privilege": "worker"}, "organization": null}, "resource": {}}
}
`

// A test that fails against any set: global workers may never create.
const failingTest = `package extra_test

import data.organizations

test_workers_never_create if {
	not organizations.allow with input as {"scope": "create", "auth": {"user": {"id": 1, "privilege": "worker"}, "organization": null}, "resource": {}}
}
`

func TestLiveReload(t *testing.T) {
	dir := t.TempDir()
	logs := &logRecorder{}
	e := newTestEngine(t, Options{Dir: dir, Logger: slog.New(logs), PollInterval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	workerCreates := func() bool {
		t.Helper()
		d, err := e.Decide(context.Background(), "organizations", Input{Scope: "create", Auth: Auth{User: AuthUser{ID: 1, Privilege: "worker"}}, Resource: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return d.Allow
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; log: %q", what, logs.lines(slog.LevelInfo))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// errorLogged waits for an error line, logged after the first since
	// lines, that holds every one of wants.
	errorLogged := func(since int, wants ...string) {
		t.Helper()
		waitFor(strings.Join(wants, " "), func() bool {
			lines := logs.lines(slog.LevelError)
			for _, l := range lines[min(since, len(lines)):] {
				ok := true
				for _, w := range wants {
					ok = ok && strings.Contains(l, w)
				}
				if ok {
					return true
				}
			}
			return false
		})
	}
	errorCount := func() int { return len(logs.lines(slog.LevelError)) }
	reloads := func() int {
		n := 0
		for _, l := range logs.lines(slog.LevelInfo) {
			if strings.HasPrefix(l, "policies reloaded") {
				n++
			}
		}
		return n
	}

	if workerCreates() {
		t.Fatal("the embedded policy lets a global worker create organizations")
	}

	// 1. An override and its test: the next decisions obey it.
	writeFile(t, dir, "organizations_test.rego", workerCreatesOrgsTest)
	writeFile(t, dir, "organizations.rego", workerCreatesOrgs)
	waitFor("the override to apply", workerCreates)
	if src := e.Bundle()["organizations.rego"]; src != workerCreatesOrgs {
		t.Error("Bundle does not serve the override")
	}
	waitFor("the reload to be logged", func() bool { return reloads() >= 1 })

	// 2. A syntax error is rejected; the override stays.
	before := errorCount()
	writeFile(t, dir, "organizations.rego", workerCreatesOrgs+"\nallow if {\n")
	errorLogged(before, "keeping the last good set", "file=organizations.rego", "problem=line 23", "unexpected eof")
	if !workerCreates() {
		t.Fatal("a broken file replaced the last good set")
	}
	if src := e.Bundle()["organizations.rego"]; src != workerCreatesOrgs {
		t.Error("Bundle serves the rejected file")
	}

	// 3. Fixed again, then a failing Rego test is added: rejected.
	writeFile(t, dir, "organizations.rego", workerCreatesOrgs)
	waitFor("the fixed file to reload", func() bool { return reloads() >= 2 })
	before = errorCount()
	writeFile(t, dir, "extra_test.rego", failingTest)
	errorLogged(before, "keeping the last good set", "file=extra_test.rego", "test_workers_never_create failed")
	if !workerCreates() {
		t.Fatal("a set with a failing test replaced the last good set")
	}
	if _, ok := e.Bundle()["extra_test.rego"]; ok {
		t.Error("Bundle serves the rejected test")
	}

	// 4. Removing the overrides brings the embedded policy back.
	for _, f := range []string{"extra_test.rego", "organizations.rego", "organizations_test.rego"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("the embedded policy to come back", func() bool { return !workerCreates() })
	if e.Bundle()["organizations_test.rego"] == workerCreatesOrgsTest {
		t.Error("the override test is still served")
	}

	// An unchanged directory is not reloaded again and again.
	n := reloads()
	time.Sleep(100 * time.Millisecond)
	if reloads() != n {
		t.Errorf("reloaded %d times without a change", reloads()-n)
	}
}

// An embedded test that fails against an override is a rejection too: an
// override of utils.rego keeps the other files' embedded tests.
func TestReloadRunsEmbeddedTests(t *testing.T) {
	dir := t.TempDir()
	logs := &logRecorder{}
	e := newTestEngine(t, Options{Dir: dir, Logger: slog.New(logs)})
	utils, err := embedded.ReadFile("utils.rego")
	if err != nil {
		t.Fatal(err)
	}
	// A message the other files' tests expect changes: users_test.rego and
	// others must fail.
	changed := strings.Replace(string(utils), "You are not a member of this organization.", "Nope.", 1)
	if changed == string(utils) {
		t.Fatal("utils.rego no longer has the message this test changes")
	}
	writeFile(t, dir, "utils.rego", changed)
	if e.reload(context.Background()) {
		t.Fatal("a set failing the embedded tests was accepted")
	}
	found := false
	for _, l := range logs.lines(slog.LevelError) {
		if strings.Contains(l, "file=users_test.rego") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error names users_test.rego: %q", logs.lines(slog.LevelError))
	}
	d, err := e.Decide(context.Background(), "users", Input{Scope: "list", Auth: Auth{User: AuthUser{ID: 1, Privilege: "user"}, Organization: &AuthOrg{ID: 3}}})
	if err != nil || d.Allow || !slices.Equal(d.Reasons, []string{"You are not a member of this organization."}) {
		t.Errorf("Decide = %+v, %v; the embedded set must stay", d, err)
	}
	// Same content again: no new attempt, no new log line.
	n := len(logs.lines(slog.LevelError))
	if e.reload(context.Background()) || len(logs.lines(slog.LevelError)) != n {
		t.Error("an unchanged, rejected set was tried again")
	}
}

func TestRunWithoutDirReturns(t *testing.T) {
	e := newTestEngine(t, Options{})
	done := make(chan struct{})
	go func() {
		e.Run(context.Background())
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run without a Dir does not return")
	}
}

func TestReloadDirError(t *testing.T) {
	dir := t.TempDir()
	logs := &logRecorder{}
	e := newTestEngine(t, Options{Dir: dir, Logger: slog.New(logs)})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if e.reload(context.Background()) {
			t.Fatal("reloaded from a missing dir")
		}
	}
	if n := len(logs.lines(slog.LevelError)); n != 1 {
		t.Errorf("%d error lines for one lasting problem, want 1", n)
	}
	if _, ok := e.Bundle()["users.rego"]; !ok {
		t.Error("the active set was lost")
	}
}

// Decisions keep flowing, each from one whole set, while sets are swapped.
func TestDecideDuringReloads(t *testing.T) {
	dir := t.TempDir()
	e := newTestEngine(t, Options{Dir: dir})
	ctx := context.Background()
	in := Input{Scope: "create", Auth: Auth{User: AuthUser{ID: 1, Privilege: "worker"}}, Resource: map[string]any{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[bool]int{}
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
				d, err := e.Decide(ctx, "organizations", in)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := e.Filter(ctx, "organizations", Input{Auth: in.Auth}); err != nil {
					t.Error(err)
					return
				}
				_ = e.Bundle()
				mu.Lock()
				seen[d.Allow]++
				mu.Unlock()
			}
		})
	}
	for i := range 4 {
		if i%2 == 0 {
			writeFile(t, dir, "organizations.rego", workerCreatesOrgs)
		} else if err := os.Remove(filepath.Join(dir, "organizations.rego")); err != nil {
			t.Fatal(err)
		}
		if !e.reload(ctx) {
			t.Fatalf("reload %d failed", i)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if seen[true] == 0 || seen[false] == 0 {
		t.Errorf("decisions seen %v: both sets should have answered", seen)
	}
}
