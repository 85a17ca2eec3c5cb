package server

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// customProjectsRule is the README's example of a custom role rule, added
// at the end of a copy of the active projects.rego.
const customProjectsRule = `

# Supervisors may see and rename the projects of their organization.
allow if {
	input.scope in {"view", "update:desc"}
	input.auth.organization.user.role == "supervisor"
	input.resource.organization.id == input.auth.organization.id
}
`

// eventually retries check until it passes or the deadline ends; the
// policies directory is polled, so the change shows within a few polls.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestLivePolicyReloadOverHTTP(t *testing.T) {
	dir := t.TempDir()
	env := newAccountsEnv(t, envOptions{policiesDir: dir})
	f := newOrgFixture(t, env)
	r := inOrg(f.owner, f.slug).do("POST", "/api/projects", map[string]any{"name": "Apollo"})
	expect(t, r, 201)
	var p struct{ ID int }
	decodeInto(t, r, &p)
	path := "/api/projects/" + strconv.Itoa(p.ID)
	rename := func(name string) int { return f.supervisor.do("PATCH", path, map[string]any{"name": name}).Status }

	if got := rename("Gemini"); got != 404 {
		t.Fatalf("built-in rules: supervisor rename = %d, want 404 (they do not see the project)", got)
	}
	// As the README says: copy the active file, add the rule, save it in the
	// policies folder under the same name.
	var bundle map[string]string
	decodeInto(t, f.owner.do("GET", "/api/auth/rules", nil), &bundle)
	if bundle["projects.rego"] == "" {
		t.Fatal("GET /api/auth/rules has no projects.rego")
	}
	if err := os.WriteFile(filepath.Join(dir, "projects.rego"), []byte(bundle["projects.rego"]+customProjectsRule), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the custom rule taking effect", func() bool { return rename("Gemini") == 200 })
	expect(t, f.owner.do("GET", "/api/auth/rules", nil), 200, "Supervisors may see and rename")

	// A broken file is rejected and the last good set stays active.
	if err := os.WriteFile(filepath.Join(dir, "broken.rego"), []byte("package projects\nallow if {"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several polls
	if got := rename("Mercury"); got != 200 {
		t.Fatalf("after a broken file: supervisor rename = %d, want 200 (last good set)", got)
	}
	// Removing both files restores the built-in rules.
	_ = os.Remove(filepath.Join(dir, "broken.rego"))
	_ = os.Remove(filepath.Join(dir, "projects.rego"))
	eventually(t, "the built-in rules coming back", func() bool { return rename("Vostok") == 404 })
}
