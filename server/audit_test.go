package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"gorm.io/gorm"

	"github.com/gatehouse/gatehouse/models"
	"github.com/gatehouse/gatehouse/models/modelstest"
)

type auditPage struct {
	Count   int
	Next    *string
	Results []struct {
		ID          uint64
		CreatedDate time.Time `json:"created_date"`
		Event       string
		Actor       *struct {
			ID       uint64
			Username string
		}
		IP         string
		TargetType string `json:"target_type"`
		TargetID   string `json:"target_id"`
		Detail     map[string]any
	}
}

func auditList(t *testing.T, b *browser, query string) auditPage {
	t.Helper()
	r := b.do("GET", "/api/audit?"+query, nil)
	expect(t, r, 200)
	var p auditPage
	decodeInto(t, r, &p)
	return p
}

func auditEvents(p auditPage) []string {
	out := make([]string, len(p.Results))
	for i, r := range p.Results {
		out[i] = r.Event
	}
	return out
}

// auditOrg registers a user who creates an organization.
func auditOrg(t *testing.T, env *accountsEnv) (*browser, string) {
	t.Helper()
	owner, _, _ := env.registerUser("orgowner")
	slug := "au" + strconv.Itoa(int(userSeq.Add(1)))
	expect(t, owner.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "Audit " + slug}), 201)
	return owner, slug
}

// newAuditAdmin registers an admin and returns their browser.
func newAuditAdmin(t *testing.T, env *accountsEnv) (*browser, string) {
	t.Helper()
	b, name, _ := env.registerUser("auditor")
	env.makeAdmin(name)
	return b, name
}

func TestAuditRecordsAccountEvents(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, _ := newAuditAdmin(t, env)
	_, name, email := env.registerUser("audited")

	c := env.browser()
	expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": "Wrong-password-1"}), 400)
	expect(t, c.do("POST", "/api/auth/login", map[string]any{"username": name, "password": goodPassword}), 200)
	id := selfID(t, c)
	tok := c.do("POST", "/api/auth/access_tokens", map[string]any{"name": "ci"})
	expect(t, tok, 201)
	var created struct {
		ID    int
		Value string
	}
	decodeInto(t, tok, &created)
	expect(t, c.do("DELETE", "/api/auth/access_tokens/"+strconv.Itoa(created.ID), nil), 204)
	const newPassword = "Marmalade-Observatory-77"
	expect(t, c.do("POST", "/api/auth/password/change", map[string]any{
		"old_password": goodPassword, "new_password1": newPassword, "new_password2": newPassword}), 200)
	expect(t, c.do("POST", "/api/auth/logout", nil), 200)
	expect(t, env.browser().do("POST", "/api/auth/password/reset", map[string]any{"email": email}), 200)
	expect(t, env.browser().do("POST", "/api/auth/password/reset", map[string]any{"email": "nobody-" + email}), 200)
	expect(t, admin.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"groups": []string{"worker"}}), 200)
	expect(t, admin.do("PATCH", "/api/users/"+strconv.Itoa(id), map[string]any{"is_active": false}), 200)

	r := admin.do("GET", "/api/audit?page_size=100", nil)
	expect(t, r, 200)
	for _, secret := range []string{goodPassword, newPassword, "Wrong-password-1", created.Value} {
		if strings.Contains(string(r.Body), secret) {
			t.Fatalf("the audit log holds a secret %q: %s", secret, r.Body)
		}
	}
	var page auditPage
	decodeInto(t, r, &page)
	seen := map[string]int{}
	for _, ev := range page.Results {
		seen[ev.Event]++
		switch ev.Event {
		case AuditLoginFailed:
			if ev.Actor != nil || ev.Detail["login"] != strings.ToLower(name) || ev.TargetID != strconv.Itoa(id) {
				t.Errorf("login failure: actor %v detail %v target %q", ev.Actor, ev.Detail, ev.TargetID)
			}
		case AuditLogin, AuditTokenCreated, AuditPasswordChanged, AuditLogout:
			if ev.Actor == nil || ev.Actor.ID != uint64(id) || ev.Actor.Username != name {
				t.Errorf("%s: actor = %+v, want %d %s", ev.Event, ev.Actor, id, name)
			}
			if ev.IP != "127.0.0.1" {
				t.Errorf("%s: ip = %q", ev.Event, ev.IP)
			}
		case AuditUserRoleChanged:
			if ev.Detail["from"] != "user" || ev.Detail["to"] != "worker" || ev.TargetID != strconv.Itoa(id) {
				t.Errorf("role change detail %v target %q", ev.Detail, ev.TargetID)
			}
		}
	}
	for ev, n := range map[string]int{AuditLoginFailed: 1, AuditLogin: 1, AuditTokenCreated: 1, AuditTokenRevoked: 1,
		AuditPasswordChanged: 1, AuditLogout: 1, AuditPasswordResetRequest: 2, AuditUserRoleChanged: 1, AuditUserDeactivated: 1} {
		if seen[ev] != n {
			t.Errorf("%s recorded %d times, want %d (all: %v)", ev, seen[ev], n, seen)
		}
	}
	// Newest first by default.
	for i := 1; i < len(page.Results); i++ {
		if page.Results[i].CreatedDate.After(page.Results[i-1].CreatedDate) ||
			page.Results[i].CreatedDate.Equal(page.Results[i-1].CreatedDate) && page.Results[i].ID > page.Results[i-1].ID {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

func TestAuditLockoutAndOrganizationEvents(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, _ := newAuditAdmin(t, env)
	_, victim, _ := env.registerUser("victim")
	c := env.browser()
	for i := 0; i <= lockoutFailures; i++ {
		c.do("POST", "/api/auth/login", map[string]any{"username": victim, "password": "nope-" + strconv.Itoa(i)})
	}
	p := auditList(t, admin, "event="+AuditLockout)
	if p.Count != 2 { // the account and the IP reach the limit on the same failure
		t.Fatalf("lockout events = %v, want one for the account and one for the IP", auditEvents(p))
	}

	owner, slug := auditOrg(t, env)
	p = auditList(t, admin, "event=organization.&page_size=50")
	if p.Count != 1 || p.Results[0].Event != AuditOrgCreated || p.Results[0].Detail["slug"] != slug {
		t.Fatalf("organization events: %+v", p.Results)
	}
	worker, _, email := env.registerUser("member")
	f := &orgFixture{env: env, owner: owner, slug: slug}
	f.addMember(t, worker, email, "worker")
	p = auditList(t, admin, "event=invitation.*&page_size=50")
	if got := auditEvents(p); len(got) != 2 || got[0] != AuditInvitationAccepted || got[1] != AuditInvitationCreated {
		t.Fatalf("invitation events = %v", got)
	}
	expect(t, inOrg(owner, slug).do("DELETE", "/api/memberships/"+strconv.Itoa(f.membershipID(t, "worker")), nil), 204)
	p = auditList(t, admin, "event="+AuditMembershipRemoved)
	if p.Count != 1 || p.Results[0].Detail["role"] != "worker" {
		t.Fatalf("membership removal: %+v", p.Results)
	}
}

func TestAuditFiltersAndPagination(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) { testAuditFilters(t, newAccountsEnv(t, envOptions{db: db})) })
}

func testAuditFilters(t *testing.T, env *accountsEnv) {
	admin, adminName := newAuditAdmin(t, env)
	alice, aliceName, _ := env.registerUser("alice")
	aliceID := selfID(t, alice)
	for i := 0; i < 3; i++ {
		expect(t, alice.do("POST", "/api/auth/access_tokens", map[string]any{"name": "needle-" + strconv.Itoa(i)}), 201)
	}
	env.clock.Advance(48 * time.Hour)
	expect(t, admin.do("POST", "/api/auth/access_tokens", map[string]any{"name": "later"}), 201)

	cases := []struct {
		name  string
		query string
		count int
		check func(p auditPage) bool
	}{
		{"event exact", "event=" + AuditTokenCreated, 4, nil},
		{"event prefix", "event=token.", 4, nil},
		{"unknown event", "event=nothing.here", 0, nil},
		{"actor by id", "actor=" + strconv.Itoa(aliceID) + "&event=token.created", 3, func(p auditPage) bool { return p.Results[0].Actor.Username == aliceName }},
		{"actor by username", "actor=" + strings.ToUpper(adminName) + "&event=token.created", 1, nil},
		{"search in detail", "search=NEEDLE-1", 1, func(p auditPage) bool { return p.Results[0].Detail["token_name"] == "needle-1" }},
		{"search by username", "search=" + aliceName + "&event=token.created", 3, nil},
		{"search wildcard is literal", "search=%25", 0, nil},
		{"from", "event=token.created&from=" + url.QueryEscape(env.clock.Now().Add(-time.Hour).Format(time.RFC3339)), 1, nil},
		{"to date includes the day", "event=token.created&to=" + env.clock.Now().Add(-48*time.Hour).Format(time.DateOnly), 3, nil},
		{"page size", "event=token.created&page_size=2", 4, func(p auditPage) bool { return len(p.Results) == 2 && p.Next != nil }},
		{"sort by id ascending", "event=token.created&sort=id", 4, func(p auditPage) bool { return p.Results[0].ID < p.Results[1].ID }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := auditList(t, admin, tc.query)
			if p.Count != tc.count {
				t.Fatalf("count = %d, want %d: %v", p.Count, tc.count, auditEvents(p))
			}
			if tc.check != nil && !tc.check(p) {
				t.Fatalf("unexpected page: %+v", p.Results)
			}
		})
	}
	bad := []struct{ query, field string }{
		{"from=yesterday", `"from"`},
		{"to=2026-13-01", `"to"`},
		{"sort=password", `"sort"`},
		{"page_size=0", `"page_size"`},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.query, func(t *testing.T) {
			expect(t, admin.do("GET", "/api/audit?"+tc.query, nil), 400, tc.field)
			expect(t, admin.do("GET", "/api/audit.csv?"+tc.query, nil), 400, tc.field)
		})
	}
}

func TestAuditCSV(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	admin, _ := newAuditAdmin(t, env)
	// A username may start with "-", "+" or "@": a spreadsheet would run it.
	name := "-2+3+" + strconv.FormatInt(time.Now().UnixNano()%1_000_000, 10)
	b := env.browser()
	b.do("GET", "/api/server/about", nil)
	expect(t, b.do("POST", "/api/auth/register", map[string]any{"username": name, "email": "csv" + name[5:] + "@example.com",
		"password1": goodPassword, "password2": goodPassword}), 201)
	expect(t, b.do("POST", "/api/auth/access_tokens", map[string]any{"name": "=HYPERLINK(\"http://evil\")"}), 201)

	r := admin.do("GET", "/api/audit.csv?event=token.created", nil)
	expect(t, r, 200)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Content-Type = %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.Body)
	}
	if len(rows) != 2 || rows[0][2] != "event" || rows[1][2] != AuditTokenCreated {
		t.Fatalf("rows = %q", rows)
	}
	if got := rows[1][4]; got != "'"+name {
		t.Fatalf("actor cell = %q, want it defused with a leading apostrophe", got)
	}
	for _, cell := range rows[1] {
		if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
			t.Fatalf("cell %q would run as a formula", cell)
		}
	}
	if !strings.Contains(rows[1][8], `HYPERLINK`) {
		t.Fatalf("detail cell = %q", rows[1][8])
	}
	// The CSV has every matching row, not one page.
	for i := 0; i < 12; i++ {
		expect(t, b.do("POST", "/api/auth/access_tokens", map[string]any{"name": "t" + strconv.Itoa(i)}), 201)
	}
	rows, err = csv.NewReader(strings.NewReader(string(admin.do("GET", "/api/audit.csv?event=token.created&page_size=1", nil).Body))).ReadAll()
	if err != nil || len(rows) != 14 {
		t.Fatalf("rows = %d (%v), want 14", len(rows), err)
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "a=b": "a=b", "{\"k\":1}": "{\"k\":1}",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAuditIsForAdminsOnly(t *testing.T) {
	env := newAccountsEnv(t, envOptions{})
	user, _, _ := env.registerUser("curious")
	worker, workerName, _ := env.registerUser("worker")
	if err := env.db.Model(&models.User{}).Where("username_lower = ?", strings.ToLower(workerName)).Update("role", models.RoleWorker).Error; err != nil {
		t.Fatal(err)
	}
	owner, slug := auditOrg(t, env) // an organization owner is not an admin either
	for _, path := range []string{"/api/audit", "/api/audit.csv"} {
		for who, b := range map[string]*browser{"user": user, "worker": worker, "org owner": inOrg(owner, slug)} {
			t.Run(who+" "+path, func(t *testing.T) {
				expect(t, b.do("GET", path, nil), 403, "Only an admin can read the audit log.")
			})
		}
		t.Run("anonymous "+path, func(t *testing.T) {
			expect(t, env.browser().do("GET", path, nil), 401)
		})
	}
}

func TestAuditScrubsSecrets(t *testing.T) {
	got := scrubDetail(map[string]any{"password": "p", "new_password1": "p", "token": "t", "api_key": "k",
		"client_secret": "s", "token_name": "ci", "token_id": 3, "login": "ann",
		"nested": map[string]any{"session_cookie": "c", "ok": 1}})
	want := map[string]any{"password": "[redacted]", "new_password1": "[redacted]", "token": "[redacted]", "api_key": "[redacted]",
		"client_secret": "[redacted]", "token_name": "ci", "token_id": 3, "login": "ann",
		"nested": map[string]any{"session_cookie": "[redacted]", "ok": 1}}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Fatalf("scrubDetail = %s, want %s", a, b)
	}
}

// A recorder inside a transaction that rolls back leaves no event.
func TestAuditRollsBackWithTheAction(t *testing.T) {
	db := modelstest.Open(t)
	var srv *Server
	boom := errors.New("boom")
	cfg := Config{BaseURL: "http://127.0.0.1", extraRoutes: func(api fiber.Router) {
		api.Post("/test/audit/:fail", func(c *fiber.Ctx) error {
			err := srv.db.WithContext(c.UserContext()).Transaction(func(tx *gorm.DB) error {
				if err := srv.auditTx(c, tx, "test.event", "thing", c.Params("fail"), nil); err != nil {
					return err
				}
				if c.Params("fail") == "yes" {
					return boom
				}
				return nil
			})
			if errors.Is(err, boom) {
				return BadRequest("rolled back")
			}
			return err
		})
	}}
	var err error
	srv, err = New(cfg, Deps{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, fail := range []string{"yes", "no"} {
		res, err := srv.App().Test(httptest.NewRequest("POST", "/api/test/audit/"+fail, nil))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	var rows []models.AuditEvent
	if err := db.Where("event = ?", "test.event").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].TargetID != "no" {
		t.Fatalf("events = %+v, want only the committed one", rows)
	}
}

func TestAuditPolicyReloads(t *testing.T) {
	dir := t.TempDir()
	env := newAccountsEnv(t, envOptions{policiesDir: dir})
	admin, _ := newAuditAdmin(t, env)
	if err := os.WriteFile(filepath.Join(dir, "extra.rego"), []byte("package extra\n\ndefault allow := false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A set with overrides runs its Rego tests before it goes live: slow
	// under -race on a busy machine, hence the long wait.
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen within 90 s", what)
			}
		}
	}
	waitFor("a reload event", func() bool { return auditList(t, admin, "event="+AuditPoliciesReloaded).Count == 1 })
	p := auditList(t, admin, "event="+AuditPoliciesReloaded)
	if ov, _ := p.Results[0].Detail["overrides"].([]any); len(ov) != 1 || ov[0] != "extra.rego" || p.Results[0].Actor != nil {
		t.Fatalf("reload event: %+v", p.Results[0])
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.rego"), []byte("package broken\nallow if {"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor("a rejection event", func() bool { return auditList(t, admin, "event="+AuditPoliciesRejected).Count == 1 })
	p = auditList(t, admin, "event="+AuditPoliciesRejected)
	if !strings.Contains(p.Results[0].Detail["problem"].(string), "broken.rego") {
		t.Fatalf("rejection event: %+v", p.Results[0])
	}
}

func TestPruneAuditEvents(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db *models.DB) {
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		for _, age := range []time.Duration{400 * 24 * time.Hour, 366 * 24 * time.Hour, 10 * 24 * time.Hour, 0} {
			if err := models.CreateAuditEventTx(db.DB, &models.AuditEvent{Event: "test.age", CreatedDate: now.Add(-age)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.PruneAuditEvents(context.Background(), now.Add(-365*24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("pruned %d (%v), want 2", n, err)
		}
		var left int64
		db.Model(&models.AuditEvent{}).Count(&left)
		if left != 2 {
			t.Fatalf("%d left, want 2", left)
		}
	})
}
