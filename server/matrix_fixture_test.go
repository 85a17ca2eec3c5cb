package server

// Plumbing of the reference-matrix HTTP tests (matrix_http_test.go): the
// permission tables of shared/reference/permissions, the expected answer of
// a situation, the fixture builder and the case runner.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/models"
)

// Global roles the callers get ("None" in the tables, any signed-in user, is
// tested with "worker" and "user") and organization roles ("" = not a member).
var (
	mxPrivileges   = []string{models.RoleWorker, models.RoleUser, models.RoleAdmin}
	mxRoles        = []string{models.OrgOwner, models.OrgMaintainer, models.OrgSupervisor, models.OrgWorker, ""}
	mxPrivilegeAsc = []string{"none", "worker", "user", "admin"}
	mxRoleAsc      = []string{"worker", "supervisor", "maintainer", "owner"}
)

func mxRoleName(role string) string {
	if role == "" {
		return "non-member"
	}
	return role
}

// ---------------------------------------------------------------------------
// The reference tables.

// mxRule is one row of a permission table, lower-cased, "N/A" as "na".
type mxRule struct {
	line       int // CSV line; 0 for a Gatehouse extension row
	scope      string
	context    string   // sandbox, organization or na
	ownership  []string // na, or the ownerships the row is about
	limit      string
	privilege  string // lowest global role that passes
	membership string // lowest organization role that passes, or na
	note       string // where an extension row comes from
}

func (r mxRule) String() string {
	where := fmt.Sprintf("line %d", r.line)
	if r.line == 0 {
		where = r.note
	}
	return fmt.Sprintf("%s (%s %s %s %s privilege=%s membership=%s)", where, r.scope, r.context,
		strings.Join(r.ownership, "/"), r.limit, r.privilege, r.membership)
}

// mxSituation is what a request looks like to the tables.
type mxSituation struct {
	scope      string
	context    string // sandbox or organization
	privilege  string // the caller's global role
	role       string // the caller's role in the organization of the context ("" = not a member)
	ownership  string // self, none, owner, invitee, or the caller's role (organizations)
	resource   map[string]any
	invariants []string // reasons the server must refuse although the tables allow
	// lacks names what the request misses for the server to get to the
	// policy at all (then 400, or 403 from the policy, whatever the tables say).
	lacks string
}

func (s mxSituation) String() string {
	return fmt.Sprintf("scope=%s context=%s privilege=%s role=%s ownership=%s resource=%v",
		s.scope, s.context, s.privilege, mxRoleName(s.role), s.ownership, s.resource)
}

// mxSkip describes rows that do not apply over HTTP, and why.
type mxSkip struct {
	scope, context string
	why            string
}

// mxTable is one permission table with the rows the cases exercised.
type mxTable struct {
	name    string
	rules   []mxRule
	skips   []mxSkip
	scopes  []string        // scopes the cases cover
	matched map[string]bool // rule key → some case passed it
}

func (r mxRule) key() string { return fmt.Sprintf("%s@%d:%s", r.scope, r.line, r.note) }

// mxReferenceDir finds reference/permissions: $GATEHOUSE_REFERENCE_DIR (the
// reference folder or its permissions folder), else shared/reference/
// permissions beside a parent folder of the package.
func mxReferenceDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("GATEHOUSE_REFERENCE_DIR"); d != "" {
		for _, c := range []string{filepath.Join(d, "permissions"), d} {
			if _, err := os.Stat(filepath.Join(c, "users.csv")); err == nil {
				return c
			}
		}
		t.Fatalf("GATEHOUSE_REFERENCE_DIR=%s holds no permissions/users.csv", d)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "reference", "permissions")
		if _, err := os.Stat(filepath.Join(c, "users.csv")); err == nil {
			return c
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Fatalf("reference permission tables not found: set GATEHOUSE_REFERENCE_DIR (searched up from %s)", wd)
	return ""
}

// mxLoadTable reads name.csv; scopes are those the cases cover, skips the
// rows that do not apply.
func mxLoadTable(t *testing.T, name string, scopes []string, skips []mxSkip) *mxTable {
	t.Helper()
	path := filepath.Join(mxReferenceDir(t), name+".csv")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(records) < 2 {
		t.Fatalf("%s: no rows", path)
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"scope", "context", "ownership", "limit", "privilege", "membership"} {
		if _, ok := col[need]; !ok {
			t.Fatalf("%s: no %q column", path, need)
		}
	}
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "n/a" {
			return "na"
		}
		return s
	}
	tb := &mxTable{name: name, skips: skips, scopes: scopes, matched: map[string]bool{}}
	for i, rec := range records[1:] {
		r := mxRule{line: i + 2, scope: strings.TrimSpace(rec[col["scope"]]), context: norm(rec[col["context"]]),
			limit: strings.TrimSpace(rec[col["limit"]]), privilege: norm(rec[col["privilege"]]), membership: norm(rec[col["membership"]])}
		for _, o := range strings.Split(rec[col["ownership"]], ",") {
			r.ownership = append(r.ownership, norm(o))
		}
		if !slices.Contains(mxPrivilegeAsc, r.privilege) {
			t.Fatalf("%s:%d: unknown privilege %q", path, r.line, r.privilege)
		}
		if r.membership != "na" && !slices.Contains(mxRoleAsc, r.membership) {
			t.Fatalf("%s:%d: unknown membership %q", path, r.line, r.membership)
		}
		if !slices.Contains([]string{"sandbox", "organization", "na"}, r.context) {
			t.Fatalf("%s:%d: unknown context %q", path, r.line, r.context)
		}
		if r.limit != "" {
			if _, err := mxEvalLimit(r.limit, map[string]any{}); err != nil && !strings.Contains(err.Error(), "has no") {
				t.Fatalf("%s:%d: %v", path, r.line, err)
			}
		}
		tb.rules = append(tb.rules, r)
	}
	return tb
}

// extend adds Gatehouse's own rows (line 0, with a note saying where they
// come from).
func (tb *mxTable) extend(rows ...mxRule) { tb.rules = append(tb.rules, rows...) }

// passes tells whether the row grants the situation.
func (r mxRule) passes(t *testing.T, s mxSituation) bool {
	if r.scope != s.scope {
		return false
	}
	if r.context != "na" && r.context != s.context {
		return false
	}
	if !slices.Contains(r.ownership, "na") && !slices.Contains(r.ownership, s.ownership) {
		return false
	}
	if r.membership != "na" && (s.role == "" || slices.Index(mxRoleAsc, s.role) < slices.Index(mxRoleAsc, r.membership)) {
		return false
	}
	if slices.Index(mxPrivilegeAsc, s.privilege) < slices.Index(mxPrivilegeAsc, r.privilege) {
		return false
	}
	if r.limit != "" {
		ok, err := mxEvalLimit(r.limit, s.resource)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		return ok
	}
	return true
}

// allows is the tables' answer: some row of the scope grants it; admins, as
// in CVAT's generated tests and in Gatehouse's policies, may do anything.
// It records which rows the situation exercised.
func (tb *mxTable) allows(t *testing.T, s mxSituation) bool {
	t.Helper()
	ok := false
	for _, r := range tb.rules {
		if r.passes(t, s) {
			tb.matched[r.key()] = true
			ok = true
		}
	}
	return ok || s.privilege == models.RoleAdmin
}

// sees is allows without recording: whether the caller may see the object
// (s is the view situation of the same caller and object).
func (tb *mxTable) sees(t *testing.T, s mxSituation) bool {
	t.Helper()
	for _, r := range tb.rules {
		if r.passes(t, s) {
			return true
		}
	}
	return s.privilege == models.RoleAdmin
}

// skipped tells why a row does not apply ("" when it does).
func (tb *mxTable) skipped(r mxRule) string {
	for _, sk := range tb.skips {
		if sk.scope == r.scope && sk.context == r.context {
			return sk.why
		}
	}
	if !slices.Contains(tb.scopes, r.scope) {
		return "scope not covered"
	}
	return ""
}

// checkCoverage fails unless every applicable row was exercised by a case and
// every declared skip still names a row of the table.
func (tb *mxTable) checkCoverage(t *testing.T) {
	t.Helper()
	applicable := 0
	for _, r := range tb.rules {
		if why := tb.skipped(r); why != "" {
			if why == "scope not covered" {
				t.Errorf("%s.csv %s: no case covers scope %q", tb.name, r, r.scope)
			}
			continue
		}
		applicable++
		if !tb.matched[r.key()] {
			t.Errorf("%s.csv %s was never exercised", tb.name, r)
		}
	}
	for _, sk := range tb.skips {
		if !slices.ContainsFunc(tb.rules, func(r mxRule) bool { return r.scope == sk.scope && r.context == sk.context }) {
			t.Errorf("%s.csv: the skip %s/%s names no row any more", tb.name, sk.scope, sk.context)
		}
	}
	t.Logf("%s: %d applicable rows (of %d, extensions included), all exercised", tb.name, applicable, len(tb.rules))
}

// The Limit column holds Python expressions of three forms:
// resource["a"]["b"] != None, resource["a"] != "x", resource["a"] not in ["x", "y"].
var (
	mxLimitRE    = regexp.MustCompile(`^resource((?:\["[a-z_]+"\])+)\s*(==|!=|not in|in)\s*(.+)$`)
	mxLimitKeyRE = regexp.MustCompile(`\["([a-z_]+)"\]`)
	mxLimitStrRE = regexp.MustCompile(`"([^"]*)"`)
)

func mxEvalLimit(expr string, res map[string]any) (bool, error) {
	m := mxLimitRE.FindStringSubmatch(strings.TrimSpace(expr))
	if m == nil {
		return false, fmt.Errorf("unsupported limit expression %q", expr)
	}
	var v any = res
	for _, k := range mxLimitKeyRE.FindAllStringSubmatch(m[1], -1) {
		obj, ok := v.(map[string]any)
		if !ok {
			return false, fmt.Errorf("resource has no %q for %q", k[1], expr)
		}
		v = obj[k[1]]
	}
	rhs := strings.TrimSpace(m[3])
	switch m[2] {
	case "==", "!=":
		var want any
		switch {
		case rhs == "None":
			want = nil
		case strings.HasPrefix(rhs, `"`):
			want = strings.Trim(rhs, `"`)
		default:
			return false, fmt.Errorf("unsupported right-hand side %s", rhs)
		}
		if s, ok := v.(string); ok && s == "" {
			v = nil // "" stands for "no role"
		}
		return (v == want) == (m[2] == "=="), nil
	default:
		if !strings.HasPrefix(rhs, "[") {
			return false, fmt.Errorf("unsupported right-hand side %s", rhs)
		}
		in := false
		for _, s := range mxLimitStrRE.FindAllStringSubmatch(rhs, -1) {
			if v == s[1] {
				in = true
			}
		}
		return in == (m[2] == "in"), nil
	}
}

func TestMatrixEvalLimit(t *testing.T) {
	tests := []struct {
		expr string
		res  map[string]any
		want bool
	}{
		{`resource["role"] != "owner"`, map[string]any{"role": "worker"}, true},
		{`resource["role"] != "owner"`, map[string]any{"role": "owner"}, false},
		{`resource["role"] not in ["maintainer", "owner"]`, map[string]any{"role": "maintainer"}, false},
		{`resource["role"] not in ["maintainer", "owner"]`, map[string]any{"role": "supervisor"}, true},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": ""}}, false},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": nil}}, false},
		{`resource["membership"]["role"] != None`, map[string]any{"membership": map[string]any{"role": "worker"}}, true},
	}
	for _, tc := range tests {
		if got, err := mxEvalLimit(tc.expr, tc.res); err != nil || got != tc.want {
			t.Errorf("mxEvalLimit(%s, %v) = %v, %v; want %v", tc.expr, tc.res, got, err, tc.want)
		}
	}
	if _, err := mxEvalLimit(`len(resource) > 2`, nil); err == nil {
		t.Error("an unsupported expression must be an error")
	}
}

// ---------------------------------------------------------------------------
// Cases.

// mxCtx is the workspace a request names.
type mxCtx int

const (
	mxNoOrg    mxCtx = iota // no org, org_id or X-Organization
	mxPersonal              // X-Organization: "" (the personal workspace)
	mxInOrg                 // X-Organization: <slug>
)

func (c mxCtx) String() string {
	return [...]string{"no-org", "personal", "org"}[c]
}

// context is the table's Context column for the request.
func (c mxCtx) context() string {
	if c == mxInOrg {
		return "organization"
	}
	return "sandbox"
}

type mxOutcome int

const (
	mxAllow  mxOutcome = iota // 2xx
	mxDeny                    // 403, or 404 when the caller cannot see the object
	mxRefuse                  // the policy would allow, a server invariant refuses: 400, 403 or 409
)

type mxCase struct {
	name    string
	sit     mxSituation
	want    mxOutcome
	visible bool // a denial must be exactly 403 (the caller can see the object)
	run     func(t *testing.T) response
	// check runs after an answer with the expected status (optional).
	check func(t *testing.T, r response)
}

// mxExpect computes the case's outcome from the table. visible tells
// whether the caller can see the object (or the organization of a list).
func (tb *mxTable) mxExpect(t *testing.T, name string, s mxSituation, visible bool, run func(t *testing.T) response) mxCase {
	t.Helper()
	c := mxCase{name: name, sit: s, visible: visible, run: run, want: mxDeny}
	if tb.allows(t, s) {
		c.want = mxAllow
		if len(s.invariants) > 0 {
			c.want = mxRefuse
		}
	}
	if s.lacks != "" {
		c.want = mxRefuse
	}
	return c
}

// mxRunCases runs each case as a subtest and sums up.
func mxRunCases(t *testing.T, tb *mxTable, cases []mxCase) {
	t.Helper()
	counts := map[string]int{}
	for _, c := range cases {
		counts[c.sit.scope]++
		t.Run(c.name, func(t *testing.T) {
			r := c.run(t)
			ok := false
			want := ""
			switch c.want {
			case mxAllow:
				ok, want = r.Status >= 200 && r.Status < 300, "2xx (allowed)"
			case mxDeny:
				if c.visible {
					ok, want = r.Status == 403, "403 (denied)"
				} else {
					ok, want = r.Status == 403 || r.Status == 404, "403 or 404 (denied, object hidden)"
				}
			case mxRefuse:
				ok = r.Status == 400 || r.Status == 403 || r.Status == 409
				why := c.sit.invariants
				if c.sit.lacks != "" {
					why = append(why, c.sit.lacks)
				}
				want = "400, 403 or 409 (" + strings.Join(why, "; ") + ")"
			}
			if !ok {
				t.Fatalf("status %d, want %s\n  situation: %s\n  body: %s", r.Status, want, c.sit, r.Body)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
	scopes := make([]string, 0, len(counts))
	total := 0
	for s, n := range counts {
		scopes = append(scopes, fmt.Sprintf("%s=%d", s, n))
		total += n
	}
	slices.Sort(scopes)
	t.Logf("%s: %d cases (%s)", tb.name, total, strings.Join(scopes, " "))
	tb.checkCoverage(t)
}

// mxChanged fails unless a mutating request changed the stored state
// exactly when it answered 2xx.
func mxChanged(t *testing.T, r response, changed bool, what string) {
	t.Helper()
	if ok := r.Status >= 200 && r.Status < 300; ok != changed {
		t.Fatalf("answered %d but %s: changed=%v; body: %s", r.Status, what, changed, r.Body)
	}
}

// mxGone tells whether a lookup found nothing.
func mxGone(t *testing.T, err error) bool {
	t.Helper()
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		t.Fatal(err)
	}
	return err != nil
}

// ---------------------------------------------------------------------------
// Fixtures, built over the API.

// mxEnv is a server with the matrix's users. Global roles are set in the
// database by commit, after the fixture is built (a global worker cannot
// create the organizations and invitations the fixture needs).
type mxEnv struct {
	*accountsEnv
	pending map[uint64]string
}

type mxUser struct {
	b     *browser
	id    uint64
	name  string
	email string
}

type mxOrg struct {
	id    uint64
	slug  string
	owner *mxUser
}

// mxFor is env for subtest t: helpers fail t, not the test that made env.
// The tables share one server (building the policy engine costs seconds
// under -race) and never touch each other's organizations or users.
func mxFor(t *testing.T, env *accountsEnv) *mxEnv {
	ts := *env.testServer
	ts.t = t
	e := *env
	e.testServer = &ts
	return &mxEnv{accountsEnv: &e, pending: map[uint64]string{}}
}

// user registers an account that gets the global role at commit.
func (m *mxEnv) user(global string) *mxUser {
	m.t.Helper()
	b, name, email := m.registerUser("mx" + global)
	var u models.User
	if err := m.db.Where("username_lower = ?", strings.ToLower(name)).First(&u).Error; err != nil {
		m.t.Fatalf("load %s: %v", name, err)
	}
	if global != models.RoleUser {
		m.pending[u.ID] = global
	}
	return &mxUser{b: b, id: u.ID, name: name, email: email}
}

// email is an address nobody has an account for.
func (m *mxEnv) email() string {
	_, e := uniqueName("mxnobody")
	return e
}

// org creates an organization owned by owner.
func (m *mxEnv) org(owner *mxUser) *mxOrg {
	m.t.Helper()
	slug := fmt.Sprintf("mx%d", userSeq.Add(1))
	r := owner.b.do("POST", "/api/organizations", map[string]any{"slug": slug, "name": "Matrix " + slug})
	expect(m.t, r, 201)
	var o struct{ ID uint64 }
	decodeInto(m.t, r, &o)
	return &mxOrg{id: o.ID, slug: slug, owner: owner}
}

// invite sends an invitation into o from `from` and returns its key.
func (m *mxEnv) invite(o *mxOrg, from *mxUser, email, role string) string {
	m.t.Helper()
	r := inOrg(from.b, o.slug).do("POST", "/api/invitations", map[string]any{"email": email, "role": role})
	expect(m.t, r, 201)
	var inv struct{ Key string }
	decodeInto(m.t, r, &inv)
	return inv.Key
}

// join makes u a member of o with role (the owner invites, u accepts) and
// returns the membership id.
func (m *mxEnv) join(o *mxOrg, u *mxUser, role string) uint64 {
	m.t.Helper()
	key := m.invite(o, o.owner, u.email, role)
	expect(m.t, u.b.do("POST", "/api/invitations/"+key+"/accept", nil), 200)
	return m.membershipID(o, u)
}

func (m *mxEnv) membershipID(o *mxOrg, u *mxUser) uint64 {
	m.t.Helper()
	ms, err := m.db.MembershipOf(context.Background(), u.id, o.id)
	if err != nil {
		m.t.Fatalf("membership of %s in %s: %v", u.name, o.slug, err)
	}
	return ms.ID
}

// member registers a user with the global role and, unless role is "",
// makes them a member of o with that role (not owner).
func (m *mxEnv) member(o *mxOrg, global, role string) *mxUser {
	m.t.Helper()
	u := m.user(global)
	if role != "" {
		m.join(o, u, role)
	}
	return u
}

// commit sets the pending global roles and lets the auth cache (1 s on the
// fake clock) forget the old ones.
func (m *mxEnv) commit() {
	m.t.Helper()
	for id, role := range m.pending {
		if err := m.db.Model(&models.User{}).Where("id = ?", id).Update("role", role).Error; err != nil {
			m.t.Fatal(err)
		}
	}
	m.pending = map[uint64]string{}
	m.clock.Advance(2 * time.Second)
}

// req is u's browser for subtest t in the workspace ctx (slug for mxInOrg).
func (u *mxUser) req(t *testing.T, ctx mxCtx, slug string) *browser {
	c := *u.b
	c.t = t
	c.headers = map[string]string{}
	for k, v := range u.b.headers {
		c.headers[k] = v
	}
	switch ctx {
	case mxPersonal:
		c.headers["X-Organization"] = ""
	case mxInOrg:
		c.headers["X-Organization"] = slug
	default:
		delete(c.headers, "X-Organization")
	}
	return &c
}
